//! `levelup blueprints list` and `levelup blueprints show NAME`: the catalog as
//! text or as the `levelup.blueprints/v1` document.

use super::args::BlueprintsCommand;
use super::{Error, Exit, Printer};
use crate::blueprint::{Catalog, CatalogDocument};
use crate::model::Pack;
use crate::suggest;

/// How `levelup blueprints` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

const FORMATS: [&str; 2] = ["text", "json"];

pub fn run(
    pack: &Pack,
    catalog: &Catalog,
    command: &BlueprintsCommand,
    printer: &Printer,
) -> Result<Exit, Error> {
    let (name, format) = match command {
        BlueprintsCommand::List { format } => (None, format),
        BlueprintsCommand::Show { name, format } => (Some(name.as_str()), format),
    };
    let format = match format.as_str() {
        "text" => Format::Text,
        "json" => Format::Json,
        other => {
            let hint = match suggest::nearest(other, FORMATS) {
                Some(near) => format!("did you mean `{near}`? formats are text and json"),
                None => "formats are text and json".to_string(),
            };
            return Err(Error::usage(format!("unknown format `{other}`"), hint));
        }
    };
    if let Some(name) = name
        && catalog.get(name).is_none()
    {
        let hint = match suggest::nearest(name, catalog.names()) {
            Some(near) => {
                format!("did you mean `{near}`? `levelup blueprints list` shows them all")
            }
            None => "`levelup blueprints list` shows them all".to_string(),
        };
        return Err(Error::usage(format!("unknown blueprint `{name}`"), hint));
    }
    let document = CatalogDocument::new(catalog, pack, name);
    let text = match (format, name) {
        (Format::Json, _) => document.to_json(),
        (Format::Text, None) => document.list_text(),
        (Format::Text, Some(_)) => document.show_text(),
    };
    printer.data(&text)?;
    Ok(Exit::Done)
}
