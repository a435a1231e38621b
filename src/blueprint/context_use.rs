//! Which top-level values of the render context a compiled template can reach.
//!
//! A file rendered once per item gets a context of its own per item. Copying
//! into each one the values its templates never name (the list of every
//! application, for a file rendered once per application) made rendering
//! quadratic in the number of applications. A Handlebars template reaches a
//! value only through a path, and a path starts with the name of a top-level
//! value, unless it is the whole context (`this`, `.`, `..`, `@root`) or goes
//! through a partial or a decorator: then the template may reach everything.
//! The walk over-approximates: any name a path starts with is kept, inside
//! blocks too, so nothing a template can reach is ever left out.

use std::collections::BTreeSet;

use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};
use handlebars::{Path, PathSeg};

#[derive(Debug, PartialEq, Eq)]
pub enum ContextUse {
    Everything,
    Names(BTreeSet<String>),
}

impl ContextUse {
    /// What any of `templates` can reach.
    pub fn of<'a>(templates: impl IntoIterator<Item = &'a Template>) -> ContextUse {
        let mut walk = Walk::default();
        for template in templates {
            walk.template(template, false);
        }
        if walk.everything {
            ContextUse::Everything
        } else {
            ContextUse::Names(walk.names)
        }
    }

    pub fn includes(&self, name: &str) -> bool {
        match self {
            ContextUse::Everything => true,
            ContextUse::Names(names) => names.contains(name),
        }
    }
}

/// `nested`: inside the block of an `each` or `with`, where `this` is the
/// block's value rather than the whole context.
#[derive(Default)]
struct Walk {
    names: BTreeSet<String>,
    everything: bool,
}

impl Walk {
    fn template(&mut self, template: &Template, nested: bool) {
        for element in &template.elements {
            self.element(element, nested);
        }
    }

    fn element(&mut self, element: &TemplateElement, nested: bool) {
        match element {
            TemplateElement::RawString(_) | TemplateElement::Comment(_) => {}
            TemplateElement::Expression(helper)
            | TemplateElement::HtmlExpression(helper)
            | TemplateElement::HelperBlock(helper) => self.helper(helper, nested),
            // Partials, decorators, and whatever a later Handlebars adds.
            _ => self.everything = true,
        }
    }

    fn helper(&mut self, helper: &HelperTemplate, nested: bool) {
        // A name-only expression (`{{platform}}`) may be a value rather than a helper.
        self.parameter(&helper.name, nested);
        for parameter in helper.params.iter().chain(helper.hash.values()) {
            self.parameter(parameter, nested);
        }
        let changes_context =
            helper.block && matches!(helper.name.as_name(), Some("each" | "with"));
        if let Some(block) = &helper.template {
            self.template(block, nested || changes_context);
        }
        if let Some(inverse) = &helper.inverse {
            self.template(inverse, nested);
        }
    }

    fn parameter(&mut self, parameter: &Parameter, nested: bool) {
        match parameter {
            Parameter::Name(name) => match name.split(['.', '/']).next() {
                Some("this" | "") | None if !nested => self.everything = true,
                Some("this" | "") | None => {}
                Some(first) => {
                    self.names.insert(first.to_string());
                }
            },
            Parameter::Path(Path::Relative((segments, _))) => {
                let first = segments.iter().find_map(|segment| match segment {
                    PathSeg::Named(name) => Some(name),
                    _ => None,
                });
                match first {
                    Some(name) => {
                        self.names.insert(name.clone());
                    }
                    // `this` inside an `each` or `with` block is the block's value.
                    None if nested && segments.is_empty() => {}
                    // The whole context: `this` at the top, `..` or `@root`.
                    None => self.everything = true,
                }
            }
            // `@root` alone is the whole context.
            Parameter::Path(Path::Local((_, name, _))) if name == "root" => self.everything = true,
            // `@index`, `@key`, `@first`: the block's own values.
            Parameter::Path(Path::Local(_)) | Parameter::Literal(_) => {}
            Parameter::Subexpression(subexpression) => {
                self.element(subexpression.as_element(), nested);
            }
            _ => self.everything = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_use(text: &str) -> ContextUse {
        ContextUse::of([&Template::compile(text).expect("compiles")])
    }

    fn names(list: &[&str]) -> ContextUse {
        ContextUse::Names(list.iter().map(|name| name.to_string()).collect())
    }

    #[test]
    fn a_path_reaches_the_value_it_starts_with() {
        assert_eq!(
            context_use("{{app.name}}-{{platform.name}}"),
            names(&["app", "platform"])
        );
        assert_eq!(context_use("{{@root.platform.name}}"), names(&["platform"]));
        assert_eq!(context_use("{{this.app.port}}"), names(&["app"]));
        assert_eq!(context_use("plain text"), names(&[]));
    }

    #[test]
    fn helpers_blocks_and_subexpressions_are_walked() {
        assert_eq!(
            context_use(
                "{{yaml (lookup pins \"checkout\")}}{{#indent 2}}{{clusters.0}}{{/indent}}"
            ),
            names(&["clusters", "indent", "lookup", "pins", "yaml"])
        );
        assert_eq!(
            context_use("{{#if (eq app.delivery \"helm\")}}a{{else}}{{environment.name}}{{/if}}"),
            names(&["app", "environment", "eq", "if"])
        );
        assert_eq!(
            context_use("{{#each environments}}{{name}}{{this}}{{../app.name}}{{@index}}{{/each}}"),
            names(&["app", "each", "environments", "name"])
        );
        assert_eq!(
            context_use("{{#with platform as |p|}}{{p.owners}}{{/with}}"),
            names(&["p", "platform", "with"])
        );
    }

    #[test]
    fn the_whole_context_reaches_everything() {
        for text in [
            "{{yaml this}}",
            "{{this}}",
            "{{#each this}}{{name}}{{/each}}",
            "{{#each applications}}{{yaml ../this}}{{/each}}",
            "{{#each applications}}{{lookup @root \"pins\"}}{{/each}}",
            "{{#if platform}}{{yaml this}}{{/if}}",
            "{{> header}}",
            "{{#each applications}}{{> row}}{{/each}}",
            "{{*inline \"x\"}}",
        ] {
            assert_eq!(context_use(text), ContextUse::Everything, "{text}");
        }
    }
}
