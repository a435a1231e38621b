//! What a plan is asked for: the level each dimension has reached, and the target.

use crate::model::{Baseline, DimensionIndex, Level, Pack};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The level each dimension has reached, indexed like the pack's dimensions.
    pub from: Vec<Baseline>,
    pub to: Level,
    /// Show only this dimension; needs outside it are listed, not pulled in.
    pub dimension: Option<DimensionIndex>,
}

impl Request {
    /// Every dimension of `pack` at `from`, towards `to`.
    pub fn uniform(pack: &Pack, from: Baseline, to: Level) -> Request {
        Request {
            from: vec![from; pack.dimensions.len()],
            to,
            dimension: None,
        }
    }

    pub fn baseline(&self, dimension: DimensionIndex) -> Baseline {
        self.from.get(dimension.0).copied().unwrap_or_default()
    }
}
