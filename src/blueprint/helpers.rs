//! The Handlebars registry levelup renders with: strict, unescaped, with YAML helpers.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderErrorReason,
    Renderable, StringOutput,
};

use crate::yaml;

/// A registry in strict mode (a missing value is an error) that escapes nothing,
/// with the `yaml`, `md` and `indent` helpers.
pub fn registry() -> Handlebars<'static> {
    let mut handlebars = Handlebars::new();
    handlebars.set_strict_mode(true);
    handlebars.register_escape_fn(handlebars::no_escape);
    handlebars.register_helper("yaml", Box::new(yaml_helper));
    handlebars.register_helper("indent", Box::new(IndentHelper));
    handlebars.register_helper("md", Box::new(md_helper));
    handlebars
}

/// `{{md text}}`: plain text as Markdown shows it, `<` included: `policies/<engine>/` is
/// a path to read, which a renderer would otherwise take for an HTML tag and drop.
fn md_helper(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = match first_param(helper, "md")? {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    out.write(&markdown_text(&text))?;
    Ok(())
}

/// The value of a helper's one parameter; strict mode's error when it names nothing.
fn first_param<'a>(
    helper: &'a Helper<'_>,
    name: &'static str,
) -> Result<&'a serde_json::Value, RenderErrorReason> {
    let param = helper
        .param(0)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, 0))?;
    if param.is_value_missing() {
        let path = param.relative_path().cloned().unwrap_or_default();
        return Err(RenderErrorReason::MissingVariable(Some(path)));
    }
    Ok(param.value())
}

/// Escapes what Markdown would read as markup in plain text: `<` (an HTML tag) and a
/// backslash (itself an escape).
pub fn markdown_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('<', "\\<")
}

/// `{{yaml value}}`: the value as a YAML scalar that reads back unchanged.
fn yaml_helper(
    helper: &Helper<'_>,
    _: &Handlebars<'_>,
    _: &Context,
    _: &mut RenderContext<'_, '_>,
    out: &mut dyn Output,
) -> HelperResult {
    let text = match first_param(helper, "yaml")? {
        serde_json::Value::String(text) => yaml::scalar(text),
        serde_json::Value::Null => "null".to_string(),
        other @ (serde_json::Value::Bool(_) | serde_json::Value::Number(_)) => other.to_string(),
        other => serde_json::to_string(other).map_err(RenderErrorReason::SerdeError)?,
    };
    out.write(&text)?;
    Ok(())
}

/// `{{#indent 4}}...{{/indent}}`: the block with every non-empty line indented.
struct IndentHelper;

impl HelperDef for IndentHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        helper: &Helper<'rc>,
        registry: &'reg Handlebars<'reg>,
        context: &'rc Context,
        render_context: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        indent(helper, registry, context, render_context, out)
    }
}

fn indent<'reg: 'rc, 'rc>(
    helper: &Helper<'rc>,
    registry: &'reg Handlebars<'reg>,
    context: &'rc Context,
    render_context: &mut RenderContext<'reg, 'rc>,
    out: &mut dyn Output,
) -> HelperResult {
    const MAX_WIDTH: u64 = 256;
    let width = helper
        .param(0)
        .and_then(|param| param.value().as_u64())
        .filter(|width| *width <= MAX_WIDTH)
        .ok_or(RenderErrorReason::ParamTypeMismatchForName(
            "indent",
            "0".to_string(),
            format!("a number of spaces from 0 to {MAX_WIDTH}"),
        ))?;
    let template = helper
        .template()
        .ok_or(RenderErrorReason::BlockContentRequired)?;
    let mut buffer = StringOutput::new();
    template.render(registry, context, render_context, &mut buffer)?;
    let block = buffer
        .into_string()
        .map_err(|error| RenderErrorReason::Other(error.to_string()))?;
    let padding = " ".repeat(usize::try_from(width).unwrap_or(0));
    let indented: Vec<String> = block
        .split('\n')
        .map(|line| {
            if line.trim().is_empty() {
                line.to_string()
            } else {
                format!("{padding}{line}")
            }
        })
        .collect();
    out.write(&indented.join("\n"))?;
    Ok(())
}

/// The opening tag of a raw block, alone on its line.
const RAW_OPEN: &str = "{{{{raw}}}}";

/// Handlebars drops the leading whitespace of a raw block's first line, so an indented
/// block (YAML inside YAML) would lose its first indentation. A line holding only
/// `{{{{raw}}}}` is therefore joined to the line after it, with that line's indentation
/// put before the tag, where Handlebars keeps it. Returns the text and, for each of its
/// lines, the line of `text` it came from (1-based), so errors name the lines as written.
pub fn keep_raw_indentation(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut origins = Vec::new();
    let mut lines = text.split_inclusive('\n').enumerate().peekable();
    while let Some((number, line)) = lines.next() {
        if line.trim() == RAW_OPEN
            && let Some((_, next)) = lines.next()
        {
            let rest = next.trim_start_matches([' ', '\t']);
            out.push_str(&next[..next.len() - rest.len()]);
            out.push_str(RAW_OPEN);
            out.push_str(rest);
            origins.push(number + 2);
            continue;
        }
        out.push_str(line);
        origins.push(number + 1);
    }
    (out, origins)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(template: &str, data: serde_json::Value) -> Result<String, String> {
        registry()
            .render_template(&keep_raw_indentation(template).0, &data)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn yaml_quotes_values_that_need_it() {
        let data =
            serde_json::json!({"image": "ghcr.io/a/b:1.0", "note": "a: b # c", "port": 8080});
        assert_eq!(
            render(
                "image: {{yaml image}}\nnote: {{yaml note}}\nport: {{yaml port}}",
                data
            )
            .unwrap(),
            "image: ghcr.io/a/b:1.0\nnote: \"a: b # c\"\nport: 8080"
        );
    }

    #[test]
    fn nothing_is_html_escaped() {
        let data = serde_json::json!({"text": "<a & b>"});
        assert_eq!(render("{{text}}", data).unwrap(), "<a & b>");
    }

    #[test]
    fn a_missing_value_is_an_error() {
        assert!(render("{{missing}}", serde_json::json!({})).is_err());
        assert!(render("{{yaml missing}}", serde_json::json!({})).is_err());
    }

    #[test]
    fn indent_pads_every_non_empty_line() {
        let data = serde_json::json!({"name": "x"});
        assert_eq!(
            render("{{#indent 4}}a: 1\n\nb: {{name}}{{/indent}}", data).unwrap(),
            "    a: 1\n\n    b: x"
        );
    }

    #[test]
    fn indent_refuses_absurd_widths() {
        assert!(
            render(
                "{{#indent 18446744073709551615}}a{{/indent}}",
                serde_json::json!({})
            )
            .is_err()
        );
    }

    /// A Helm chart's Deployment template: Helm's own `{{ }}` must reach the
    /// file untouched, around levelup's values.
    #[test]
    fn a_raw_block_passes_helm_templates_through_untouched() {
        let helm = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"app.fullname\" . }}
  labels:
    {{- include \"app.labels\" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{/* a Helm comment */}}
";
        let template = format!(
            "# chart of {{{{yaml app.name}}}}\n{{{{{{{{raw}}}}}}}}\n{helm}{{{{{{{{/raw}}}}}}}}\n# port {{{{app.port}}}}\n"
        );
        assert!(template.starts_with("# chart of {{yaml app.name}}\n{{{{raw}}}}\n"));
        let data = serde_json::json!({"app": {"name": "shop", "port": 8080}});
        assert_eq!(
            render(&template, data).unwrap(),
            format!("# chart of shop\n{helm}# port 8080\n")
        );
    }

    /// YAML inside YAML: a raw block whose first line is indented keeps that indentation
    /// (Handlebars alone drops it), and the lines are mapped back to the template's.
    #[test]
    fn an_indented_raw_block_keeps_its_first_indentation() {
        let template = "a:\n{{{{raw}}}}\n  b: {{x}}\n  c: {{y}}\n{{{{/raw}}}}\nd: {{z}}\n";
        assert_eq!(
            render(template, serde_json::json!({"z": 1})).unwrap(),
            "a:\n  b: {{x}}\n  c: {{y}}\nd: 1\n"
        );
        let (text, origins) = keep_raw_indentation(template);
        assert_eq!(text.lines().count() + 1, template.lines().count());
        // `d:` is line 5 of the text handed to Handlebars and line 6 of the template.
        assert_eq!(text.lines().nth(4), Some("d: {{z}}"));
        assert_eq!(origins[4], 6);
    }

    #[test]
    fn a_backslash_passes_one_expression_through_untouched() {
        let template = "\
      - name: Build {{yaml app.name}}
        run: docker build -t \"${IMAGE}:$\\{{ github.sha }}\" .
        env:
          IMAGE: ghcr.io/$\\{{ github.repository }}/{{app.name}}
          TOKEN: $\\{{ secrets.GITHUB_TOKEN }}
  labels:
    \\{{- include \"app.labels\" . | nindent 4 }}
  replicas: \\{{ .Values.replicaCount }}
";
        let data = serde_json::json!({"app": {"name": "shop"}});
        assert_eq!(
            render(template, data).unwrap(),
            "\
      - name: Build shop
        run: docker build -t \"${IMAGE}:${{ github.sha }}\" .
        env:
          IMAGE: ghcr.io/${{ github.repository }}/shop
          TOKEN: ${{ secrets.GITHUB_TOKEN }}
  labels:
    {{- include \"app.labels\" . | nindent 4 }}
  replicas: {{ .Values.replicaCount }}
"
        );
    }

    /// Without the escape, `${{ github.sha }}` is a Handlebars expression: in
    /// strict mode a missing value, an error rather than an empty string.
    #[test]
    fn an_unescaped_github_expression_is_an_error_not_an_empty_string() {
        let error = render("tag: ${{ github.sha }}", serde_json::json!({})).unwrap_err();
        assert!(error.contains("github.sha"), "{error}");
    }
}

#[cfg(test)]
mod markdown_tests {
    #[test]
    fn a_path_with_angle_brackets_stays_text() {
        assert_eq!(
            super::markdown_text(r"policies/<engine>/ and C:\dir"),
            r"policies/\<engine>/ and C:\\dir"
        );
    }
}
