//! Maturity levels: `Level` is a step's level (1–5), `Baseline` what is in place (0–5).

use std::fmt;

/// A level of the model, 1 (Build) to 5 (Adapt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u8);

impl Level {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    /// The level numbered `number`, if it is one of 1–5.
    pub fn new(number: u8) -> Option<Level> {
        (Self::MIN..=Self::MAX)
            .contains(&number)
            .then_some(Level(number))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// Every level, lowest first.
    pub fn all() -> impl Iterator<Item = Level> {
        (Self::MIN..=Self::MAX).map(Level)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

/// The level a platform (or one dimension of it) has reached: 0 when nothing is in
/// place yet, otherwise the highest level whose steps are all done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Baseline(u8);

impl Baseline {
    pub const NOTHING: Baseline = Baseline(0);

    /// The baseline `number`, if it is one of 0–5.
    pub fn new(number: u8) -> Option<Baseline> {
        (number <= Level::MAX).then_some(Baseline(number))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// Whether a step of `level` is already in place at this baseline.
    pub fn covers(self, level: Level) -> bool {
        level.0 <= self.0
    }
}

impl From<Level> for Baseline {
    fn from(level: Level) -> Baseline {
        Baseline(level.0)
    }
}

impl fmt::Display for Baseline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl serde::Serialize for Baseline {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_one_to_five() {
        assert_eq!(Level::new(0), None);
        assert_eq!(Level::new(6), None);
        assert_eq!(
            Level::all().map(Level::number).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
    }

    #[test]
    fn a_baseline_covers_its_level_and_below() {
        let operate = Baseline::new(2).unwrap();
        assert!(operate.covers(Level::new(1).unwrap()));
        assert!(operate.covers(Level::new(2).unwrap()));
        assert!(!operate.covers(Level::new(3).unwrap()));
        assert!(!Baseline::NOTHING.covers(Level::new(1).unwrap()));
        assert_eq!(Baseline::new(6), None);
    }
}
