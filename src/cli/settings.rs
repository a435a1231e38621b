//! Turns the raw strings of `levelup plan` into a resolved plan request.
//!
//! Every flag is destructured here, so a new flag cannot be silently ignored.

use super::Error;
use super::args::PlanArgs;
use crate::model::{Baseline, DimensionIndex, Language, Level, Pack};
use crate::plan::Request;
use crate::report::Format;
use crate::suggest;

#[derive(Debug)]
pub struct PlanSettings {
    pub request: Request,
    pub format: Format,
    pub language: Language,
}

pub fn resolve_plan(pack: &Pack, args: &PlanArgs) -> Result<PlanSettings, Error> {
    let PlanArgs {
        from,
        to,
        dimension,
        format,
        lang,
    } = args;
    let to = parse_target(pack, to)?;
    let from = parse_from(pack, from, to)?;
    let dimension = dimension
        .as_deref()
        .map(|name| parse_dimension(pack, name, "--dimension"))
        .transpose()?;
    let format = Format::from_name(format).ok_or_else(|| {
        let hint = match suggest::nearest(format, Format::NAMES) {
            Some(near) => format!("did you mean `{near}`? formats are markdown, json and yaml"),
            None => "formats are markdown, json and yaml".to_string(),
        };
        Error::usage(format!("unknown format `{format}`"), hint)
    })?;
    let language = match lang {
        None => pack.default_language.clone(),
        Some(code) => {
            let language = Language::new(code.to_lowercase());
            if !pack.languages.contains(&language) {
                let known: Vec<&str> = pack.languages.iter().map(Language::as_str).collect();
                return Err(Error::usage(
                    format!("unknown language `{code}`"),
                    format!("the content pack has {}", known.join(", ")),
                ));
            }
            language
        }
    };
    Ok(PlanSettings {
        request: Request {
            from,
            to,
            dimension,
        },
        format,
        language,
    })
}

fn levels_hint(pack: &Pack) -> String {
    let names: Vec<String> = pack
        .levels
        .iter()
        .map(|info| format!("{} {}", info.level, info.name.default_text()))
        .collect();
    format!(
        "levels are {}; 0 means nothing in place yet",
        names.join(", ")
    )
}

/// A level given by number or name; `allow` is the accepted range of numbers.
fn parse_level_number(
    pack: &Pack,
    text: &str,
    flag: &str,
    allow: std::ops::RangeInclusive<u8>,
) -> Result<u8, Error> {
    let text = text.trim();
    let number = match text.parse::<i64>() {
        Ok(number) => number,
        Err(_) => match pack.find_level(text) {
            Some(level) => i64::from(level.number()),
            None if text.eq_ignore_ascii_case("none") => 0,
            None => {
                let hint = if let Some(dimension) = pack.find_dimension(text) {
                    format!(
                        "`{text}` is a dimension: write `{flag} {}=LEVEL` to set one dimension",
                        pack.dimension(dimension).id
                    )
                } else {
                    match suggest::nearest(text, pack.level_names()) {
                        Some(near) => format!("did you mean `{near}`? {}", levels_hint(pack)),
                        None => levels_hint(pack),
                    }
                };
                return Err(Error::usage(
                    format!("unknown level `{text}` for `{flag}`"),
                    hint,
                ));
            }
        },
    };
    u8::try_from(number)
        .ok()
        .filter(|number| allow.contains(number))
        .ok_or_else(|| {
            let given = if text == number.to_string() {
                format!("`{text}`")
            } else {
                format!("`{text}` (level {number})")
            };
            Error::usage(
                format!(
                    "`{flag}` takes a level from {} to {}, not {given}",
                    allow.start(),
                    allow.end()
                ),
                levels_hint(pack),
            )
        })
}

fn parse_target(pack: &Pack, text: &str) -> Result<Level, Error> {
    parse_level(pack, text, "--to")
}

/// The current folder, for commands that look for a platform repository from it.
pub(super) fn working_dir() -> Result<std::path::PathBuf, Error> {
    std::env::current_dir().map_err(Error::WorkingDir)
}

/// The platform repository around the current folder: its root, its validated
/// `levelup.yaml`, and the level to work towards (`--to`, else `target`).
pub(super) fn platform(
    pack: &Pack,
    to: Option<&str>,
) -> Result<(std::path::PathBuf, crate::config::Config, Level), Error> {
    let root = crate::config::find_root(&working_dir()?)?;
    let config = crate::config::load(&root)?;
    let level = target_level(pack, config.target, to)?;
    Ok((root, config, level))
}

/// The level a command works towards: `--to`, else `target` in levelup.yaml.
pub(super) fn target_level(
    pack: &Pack,
    configured: Option<u8>,
    to: Option<&str>,
) -> Result<Level, Error> {
    match (to, configured) {
        (Some(text), _) => parse_level(pack, text, "--to"),
        (None, Some(target)) => parse_level(pack, &target.to_string(), "target"),
        (None, None) => Err(Error::usage(
            "no target level",
            "pass `--to N`, or set `target: N` in levelup.yaml",
        )),
    }
}

/// A level from 1 to 5 given to `flag`, by number or name.
pub(super) fn parse_level(pack: &Pack, text: &str, flag: &str) -> Result<Level, Error> {
    let number = parse_level_number(pack, text, flag, Level::MIN..=Level::MAX)?;
    Level::new(number).ok_or_else(|| Error::usage("invalid target level", levels_hint(pack)))
}

fn parse_dimension(pack: &Pack, name: &str, flag: &str) -> Result<DimensionIndex, Error> {
    pack.find_dimension(name.trim()).ok_or_else(|| {
        let ids: Vec<&str> = pack.dimensions.iter().map(|d| d.id.as_str()).collect();
        let hint = match suggest::nearest(name, pack.dimension_names()) {
            Some(near) => format!("did you mean `{near}`? dimensions are {}", ids.join(", ")),
            None => format!("dimensions are {}", ids.join(", ")),
        };
        Error::usage(format!("unknown dimension `{name}` for `{flag}`"), hint)
    })
}

/// `--from LEVEL` (every dimension, 0-4) or `--from DIMENSION=LEVEL,...` (0-5 each,
/// dimensions not named at 0).
pub(super) fn parse_from(pack: &Pack, text: &str, to: Level) -> Result<Vec<Baseline>, Error> {
    if !text.contains('=') {
        let number = parse_level_number(pack, text, "--from", 0..=Level::MAX - 1)?;
        if number > to.number() {
            return Err(Error::usage(
                format!("`--from {text}` is above `--to {to}`"),
                "a roadmap goes upwards: the target must be above the level already reached",
            ));
        }
        let baseline = Baseline::new(number).unwrap_or_default();
        return Ok(vec![baseline; pack.dimensions.len()]);
    }
    let mut from = vec![Baseline::NOTHING; pack.dimensions.len()];
    let mut named: Vec<DimensionIndex> = Vec::new();
    for part in text
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        let Some((name, level)) = part.split_once('=') else {
            return Err(Error::usage(
                format!("`{part}` in `--from` is not DIMENSION=LEVEL"),
                "write `--from technology=3,process=2`, or one level for every dimension",
            ));
        };
        let dimension = parse_dimension(pack, name, "--from")?;
        if named.contains(&dimension) {
            return Err(Error::usage(
                format!("dimension `{}` is named twice in `--from`", name.trim()),
                "give each dimension one level",
            ));
        }
        named.push(dimension);
        let number = parse_level_number(pack, level, "--from", 0..=Level::MAX)?;
        from[dimension.0] = Baseline::new(number).unwrap_or_default();
    }
    Ok(from)
}
