//! Checks recorded traffic against GitHub's OpenAPI description (OpenAPI 3.0.3).
//!
//! A request must match a path template (the one with the most literal segments wins, so
//! `/repos/{owner}/{repo}/issues/comments` beats `/repos/{owner}/{repo}/issues/{issue_number}`)
//! and a method of it; its query parameters must be declared by the operation (with an allowed
//! value for enums, integers and booleans); a body must validate against the operation's
//! `requestBody` JSON schema, and a required body must be there.
//!
//! Schemas are OpenAPI 3.0 schema objects: `nullable: true` becomes `anyOf [schema, null]`, and
//! validation runs as JSON Schema draft 4 (OpenAPI 3.0's base: a `$ref` ignores its siblings).
//! Each schema is compiled once per process with the components it references (transitively)
//! under a wrapper root, `{"components": {...}, "allOf": [schema]}`, so `#/components/...`
//! references resolve.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

use super::Recorded;
use super::routes::decode;

/// Most schema errors reported for one body.
const ERRORS_PER_BODY: usize = 5;

type Compiled = Arc<Result<jsonschema::Validator, String>>;

pub fn request_violations(doc: &Value, requests: &[Recorded]) -> Vec<String> {
    let mut violations = Vec::new();
    for request in requests {
        check_request(doc, request, &mut violations);
    }
    violations
}

pub fn response_violations(doc: &Value, requests: &[Recorded]) -> Vec<String> {
    let mut violations = Vec::new();
    for request in requests {
        let Some(body) = &request.response else {
            continue;
        };
        let Some((template, operation)) = operation(doc, &request.method, &request.path) else {
            continue; // the request's own violation
        };
        let what = format!(
            "{} {} answered {}",
            request.method, request.path, request.status
        );
        let status = request.status.to_string();
        let response = match operation["responses"].get(&status) {
            Some(response) => resolve(doc, response),
            None if (200..300).contains(&request.status) => {
                violations.push(format!(
                    "{what}: the description documents no {status} for {} {template}",
                    request.method
                ));
                continue;
            }
            None => continue,
        };
        let Some(schema) = json_schema(&response["content"]) else {
            continue;
        };
        let key = format!("response {} {template} {status}", request.method);
        validate(
            doc,
            &key,
            schema,
            body,
            &what,
            "response body",
            &mut violations,
        );
    }
    violations
}

fn check_request(doc: &Value, request: &Recorded, violations: &mut Vec<String>) {
    let what = format!(
        "{} {}{}",
        request.method,
        request.path,
        if request.query.is_empty() {
            String::new()
        } else {
            format!("?{}", request.query)
        }
    );
    if !request.under_prefix {
        violations.push(format!("{what}: not under the API prefix"));
        return;
    }
    if request.status == 401 {
        violations.push(format!("{what}: sent without the right token (401)"));
    }
    let Some(template) = template(doc, &request.path) else {
        violations.push(format!(
            "{what}: no path template in the description matches"
        ));
        return;
    };
    let item = &doc["paths"][template];
    let method = request.method.to_ascii_lowercase();
    let Some(operation) = item.get(&method) else {
        violations.push(format!(
            "{what}: {template} has no {} operation",
            request.method
        ));
        return;
    };
    let parameters = parameters(doc, item, operation);

    // Path parameters.
    let normalized_path = normalized(&request.path);
    let request_segments = segments(&normalized_path);
    for (declared, actual) in segments(template).iter().zip(&request_segments) {
        if let Some(name) = declared.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let definition = parameters
                .iter()
                .find(|parameter| parameter["in"] == "path" && parameter["name"] == name);
            if let Some(problem) = definition
                .and_then(|parameter| value_problem(doc, parameter, &decode(actual, false)))
            {
                violations.push(format!("{what}: path parameter {name}: {problem}"));
            }
        }
    }

    // Query parameters.
    for pair in request.query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (key, value) = (decode(key, true), decode(value, true));
        match parameters
            .iter()
            .find(|parameter| parameter["in"] == "query" && parameter["name"] == key.as_str())
        {
            None => violations.push(format!(
                "{what}: query parameter {key:?} is not a parameter of {} {template}",
                request.method
            )),
            Some(parameter) => {
                if let Some(problem) = value_problem(doc, parameter, &value) {
                    violations.push(format!("{what}: query parameter {key}: {problem}"));
                }
            }
        }
    }

    // Body.
    let request_body = operation.get("requestBody").map(|body| resolve(doc, body));
    match (&request.body, request_body) {
        (None, Some(declared)) if declared["required"] == true => violations.push(format!(
            "{what}: {} {template} requires a body",
            request.method
        )),
        (None, _) => {}
        (Some(_), None) => violations.push(format!(
            "{what}: sends a body, but {} {template} takes none",
            request.method
        )),
        (Some(body), Some(declared)) => match json_schema(&declared["content"]) {
            None => violations.push(format!(
                "{what}: {} {template} takes no JSON body",
                request.method
            )),
            Some(schema) => {
                let key = format!("request {} {template}", request.method);
                validate(doc, &key, schema, body, &what, "request body", violations);
            }
        },
    }
}

/// The operation for a method and a request path (without prefix and query).
fn operation<'d>(doc: &'d Value, method: &str, path: &str) -> Option<(&'d str, &'d Value)> {
    let template = template(doc, path)?;
    let operation = doc["paths"][template].get(method.to_ascii_lowercase())?;
    Some((template, operation))
}

fn segments(path: &str) -> Vec<&str> {
    path.trim_start_matches('/').split('/').collect()
}

/// GitHub's `/repositories/{id}/...` (used in its `Link` headers) as the documented
/// `/repos/{owner}/{repo}/...`.
fn normalized(path: &str) -> String {
    match segments(path).as_slice() {
        ["repositories", id, rest @ ..] if id.parse::<u64>().is_ok() => {
            let mut out = "/repos/owner/repo".to_string();
            for segment in rest {
                out.push('/');
                out.push_str(segment);
            }
            out
        }
        _ => path.to_string(),
    }
}

/// The best-matching path template: same number of segments, literals equal, and the most
/// literal segments.
fn template<'d>(doc: &'d Value, path: &str) -> Option<&'d str> {
    let path = normalized(path);
    let wanted = segments(&path);
    let mut best: Option<(&str, usize)> = None;
    for template in doc["paths"].as_object()?.keys() {
        let declared = segments(template);
        if declared.len() != wanted.len() {
            continue;
        }
        let mut literals = 0;
        let fits = declared.iter().zip(&wanted).all(|(declared, actual)| {
            if declared.starts_with('{') && declared.ends_with('}') {
                !actual.is_empty()
            } else if declared == actual {
                literals += 1;
                true
            } else {
                false
            }
        });
        if fits && best.is_none_or(|(_, most)| literals > most) {
            best = Some((template.as_str(), literals));
        }
    }
    best.map(|(template, _)| template)
}

/// Follows `$ref` pointers within the document.
fn resolve<'d>(doc: &'d Value, mut value: &'d Value) -> &'d Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) if reference.starts_with("#/") => match doc.pointer(&reference[1..]) {
                Some(target) => value = target,
                None => return value,
            },
            _ => return value,
        }
    }
    value
}

fn parameters<'d>(doc: &'d Value, item: &'d Value, operation: &'d Value) -> Vec<&'d Value> {
    [&item["parameters"], &operation["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|parameter| resolve(doc, parameter))
        .collect()
}

/// Why `value` does not fit the parameter's (simple) schema, if it does not.
fn value_problem(doc: &Value, parameter: &Value, value: &str) -> Option<String> {
    let schema = resolve(doc, &parameter["schema"]);
    if let Some(allowed) = schema["enum"].as_array() {
        let fits = allowed.iter().any(|option| match option {
            Value::String(text) => text == value,
            other => serde_json::from_str::<Value>(value).ok().as_ref() == Some(other),
        });
        if !fits {
            return Some(format!(
                "{value:?} is not one of {}",
                Value::Array(allowed.clone())
            ));
        }
    }
    match schema["type"].as_str() {
        Some("integer") if value.parse::<i64>().is_err() => {
            Some(format!("{value:?} is not an integer"))
        }
        Some("number") if value.parse::<f64>().is_err() => {
            Some(format!("{value:?} is not a number"))
        }
        Some("boolean") if value != "true" && value != "false" => {
            Some(format!("{value:?} is not a boolean"))
        }
        _ => None,
    }
}

/// The JSON schema of a `content` map (`application/json`, or a `+json` media type).
fn json_schema(content: &Value) -> Option<&Value> {
    let content = content.as_object()?;
    content
        .get("application/json")
        .or_else(|| {
            content
                .iter()
                .find(|(media, _)| media.ends_with("+json"))
                .map(|(_, value)| value)
        })
        .map(|media| &media["schema"])
        .filter(|schema| !schema.is_null())
}

fn validate(
    doc: &Value,
    key: &str,
    schema: &Value,
    instance: &Value,
    what: &str,
    part: &str,
    violations: &mut Vec<String>,
) {
    let compiled = compiled(doc, key, schema);
    match compiled.as_ref() {
        Err(error) => violations.push(format!(
            "{what}: cannot compile the schema of {key}: {error}"
        )),
        Ok(validator) => {
            for error in validator.iter_errors(instance).take(ERRORS_PER_BODY) {
                let at = error.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                violations.push(format!("{what}: {part} at {at}: {error}"));
            }
        }
    }
}

/// The validator for `schema`, compiled once per process and document.
fn compiled(doc: &Value, key: &str, schema: &Value) -> Compiled {
    static CACHE: OnceLock<Mutex<HashMap<(usize, String), Compiled>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let id = (std::ptr::from_ref(doc) as usize, key.to_string());
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return Arc::clone(found);
    }
    let made = Arc::new(compile(doc, schema));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, Arc::clone(&made));
    made
}

/// Compiles an OpenAPI schema with the components it references under a wrapper root.
pub fn compile(doc: &Value, schema: &Value) -> Result<jsonschema::Validator, String> {
    let mut components: Map<String, Value> = Map::new();
    let mut pending = vec![schema.clone()];
    while let Some(value) = pending.pop() {
        let mut references = Vec::new();
        collect_references(&value, &mut references);
        for reference in references {
            let Some(pointer) = reference.strip_prefix("#/components/") else {
                return Err(format!("unsupported reference {reference}"));
            };
            let Some((kind, name)) = pointer.split_once('/') else {
                return Err(format!("unsupported reference {reference}"));
            };
            let name = name.replace("~1", "/").replace("~0", "~");
            let group = components
                .entry(kind.to_string())
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .expect("a map");
            if group.contains_key(&name) {
                continue;
            }
            let target = &doc["components"][kind][&name];
            if target.is_null() {
                return Err(format!("unresolvable reference {reference}"));
            }
            group.insert(name, convert(target));
            pending.push(target.clone());
        }
    }
    let wrapper = json!({"components": components, "allOf": [convert(schema)]});
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(false)
        .build(&wrapper)
        .map_err(|error| error.to_string())
}

fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference.clone());
            }
            for (key, child) in map {
                if key != "example" && key != "examples" {
                    collect_references(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_references(item, out)),
        _ => {}
    }
}

/// An OpenAPI 3.0 schema object as JSON Schema: `nullable: true` → `anyOf [schema, null]`.
pub fn convert(schema: &Value) -> Value {
    let Value::Object(map) = schema else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in map {
        let converted = match key.as_str() {
            "nullable" => continue,
            "properties" | "patternProperties" | "definitions" => match value {
                Value::Object(children) => Value::Object(
                    children
                        .iter()
                        .map(|(name, child)| (name.clone(), convert(child)))
                        .collect(),
                ),
                other => other.clone(),
            },
            "items" | "additionalProperties" | "not" | "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(children) => Value::Array(children.iter().map(convert).collect()),
                other => convert(other),
            },
            _ => value.clone(),
        };
        out.insert(key.clone(), converted);
    }
    if map.get("nullable") == Some(&Value::Bool(true)) {
        json!({"anyOf": [Value::Object(out), {"type": "null"}]})
    } else {
        Value::Object(out)
    }
}
