//! The JSON Schema (draft 2020-12) of `levelup.yaml` that `levelup config schema`
//! prints: hand-written, embedded, and tested against the strict parser.
//!
//! It is the documentation a user of the installed binary has for every key, and
//! what editors read through yaml-language-server. It does not replace the
//! parser's checks (references between keys, such as a cluster's environment).

/// The schema's text.
pub const SCHEMA: &str = include_str!("schema.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::super::{
        Application, Delivery, GitOps, PolicyEngine, Provider, RawConfig, SecretStoreProvider,
        default_file,
    };
    use super::SCHEMA;

    fn schema() -> Value {
        serde_json::from_str(SCHEMA).expect("the schema is JSON")
    }

    /// The keys the strict parser accepts where `text` puts the unknown key `zzz`,
    /// as serde lists them in its "unknown field" error.
    fn accepted_keys(text: &str) -> BTreeSet<String> {
        match serde_saphyr::from_str::<RawConfig>(text) {
            Err(serde_saphyr::Error::SerdeUnknownField { expected, .. }) => {
                expected.iter().map(|key| key.to_string()).collect()
            }
            Err(serde_saphyr::Error::WithSnippet { error, .. }) => match *error {
                serde_saphyr::Error::SerdeUnknownField { expected, .. } => {
                    expected.iter().map(|key| key.to_string()).collect()
                }
                other => panic!("not an unknown-field error: {other}"),
            },
            other => panic!("not an unknown-field error: {other:?}"),
        }
    }

    fn schema_keys(object: &Value) -> BTreeSet<String> {
        object["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect()
    }

    fn schema_enum(value: &Value) -> Vec<&str> {
        value["enum"]
            .as_array()
            .expect("enum")
            .iter()
            .map(|item| item.as_str().expect("string"))
            .collect()
    }

    #[test]
    fn the_schema_is_valid_draft_2020_12() {
        let schema = schema();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert!(jsonschema::meta::is_valid(&schema));
    }

    #[test]
    fn the_schema_has_exactly_the_keys_the_parser_accepts() {
        let schema = schema();
        let properties = &schema["properties"];
        let required = "name: a\ngitops: flux\npolicy: kyverno\nprovider: docker\n";
        for (text, object) in [
            (format!("zzz: 1\n{required}"), &schema),
            (
                format!("{required}github: {{zzz: 1}}\n"),
                &properties["github"],
            ),
            (
                format!("{required}clusters: [{{zzz: 1}}]\n"),
                &properties["clusters"]["items"],
            ),
            (
                format!("{required}applications: [{{zzz: 1}}]\n"),
                &properties["applications"]["items"],
            ),
            (
                format!("{required}certificates: {{zzz: 1}}\n"),
                &properties["certificates"],
            ),
            (
                format!("{required}secret_store: {{provider: vault, zzz: 1}}\n"),
                &properties["secret_store"],
            ),
            (
                format!("{required}aws: {{zzz: 1}}\n"),
                &schema["$defs"]["aws"],
            ),
            (
                format!("{required}azure: {{zzz: 1}}\n"),
                &schema["$defs"]["azure"],
            ),
            (
                format!("{required}vsphere: {{zzz: 1}}\n"),
                &schema["$defs"]["vsphere"],
            ),
            (
                format!(
                    "{required}clusters: [{{name: a, environment: dev, vsphere: {{zzz: 1}}}}]\n"
                ),
                &schema["$defs"]["vsphere"],
            ),
        ] {
            assert_eq!(schema_keys(object), accepted_keys(&text), "{text}");
            assert_eq!(object["additionalProperties"], false, "{text}");
        }
        assert_eq!(schema_enum(&properties["gitops"]), GitOps::names());
        assert_eq!(schema_enum(&properties["policy"]), PolicyEngine::names());
        assert_eq!(schema_enum(&properties["provider"]), Provider::names());
        let stores: Vec<&str> = SecretStoreProvider::ALL
            .iter()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(
            schema_enum(&properties["secret_store"]["properties"]["provider"]),
            stores
        );
        // The provider blocks are one shape, at the top and in each cluster.
        let cluster = &properties["clusters"]["items"]["properties"];
        for block in ["aws", "azure", "vsphere"] {
            let reference = format!("#/$defs/{block}");
            assert_eq!(properties[block]["$ref"], reference.as_str());
            assert_eq!(cluster[block]["$ref"], reference.as_str());
        }
        assert_eq!(
            schema_enum(&properties["applications"]["items"]["properties"]["delivery"]),
            Delivery::names()
        );
    }

    /// Every key in the schema has a description an editor can show.
    #[test]
    fn every_key_is_described() {
        fn check(path: &str, value: &Value) {
            if let Some(properties) = value["properties"].as_object() {
                for (key, property) in properties {
                    let path = format!("{path}.{key}");
                    assert!(
                        property["description"]
                            .as_str()
                            .is_some_and(|d| !d.is_empty()),
                        "`{path}` has no description"
                    );
                    check(&path, property);
                    check(&path, &property["items"]);
                }
            }
        }
        let schema = schema();
        check("", &schema);
        for (name, definition) in schema["$defs"].as_object().expect("$defs") {
            check(&format!("$defs.{name}"), definition);
        }
    }

    #[test]
    fn the_file_init_writes_is_valid() {
        let validator = jsonschema::validator_for(&schema()).expect("the schema compiles");
        let shop = Application {
            delivery: Delivery::Helm,
            ..Application::new("shop", "ghcr.io/acme/shop:1.2.0", 8080)
        };
        for (gitops, policy, provider, applications) in [
            (
                GitOps::Flux,
                PolicyEngine::Kyverno,
                Provider::Docker,
                vec![],
            ),
            (GitOps::Argocd, PolicyEngine::Vap, Provider::Aws, vec![shop]),
            (
                GitOps::Flux,
                PolicyEngine::Gatekeeper,
                Provider::Azure,
                vec![],
            ),
            (
                GitOps::Argocd,
                PolicyEngine::Kyverno,
                Provider::Vsphere,
                vec![],
            ),
        ] {
            let text = default_file("acme", gitops, policy, provider, &applications, None);
            let document: Value = serde_saphyr::from_str(&text).expect("YAML");
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|error| error.to_string())
                .collect();
            assert!(errors.is_empty(), "{errors:?}\n{text}");
        }
        // The schema is not vacuous: what the parser refuses, it refuses too.
        for text in [
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\ngitopps: flux\n",
            "name: Acme\ngitops: flux\npolicy: kyverno\nprovider: docker\n",
            "name: acme\ngitops: fluxcd\npolicy: kyverno\nprovider: docker\n",
            "name: acme\ngitops: flux\npolicy: kyverno\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\ntarget: 6\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\nowners: [alice]\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\ncertificates: {acme_email: ops}\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\nsecret_store: {provider: aws}\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\nsecret_store: {provider: azure, url: https://a.vault.azure.net, region: eu-west-1}\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: aws\nazure: {location: westeurope}\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: aws\naws: {region: Frankfurt}\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: vsphere\nvsphere: {cpus: 0}\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\napplications: [{name: a, image: a, port: 1, error_rate: ''}]\n",
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\napplications: [{name: a, image: a, port: 1, delivery: helmchart}]\n",
        ] {
            let document: Value = serde_saphyr::from_str(text).expect("YAML");
            assert!(!validator.is_valid(&document), "{text}");
            assert!(super::super::parse(std::path::Path::new("levelup.yaml"), text).is_err());
        }
    }
}
