//! Reading the book at a time: one dimension by name, karma gates and their messages, whole
//! vectors, and standing. Owns the dimension names; never changes the book.

use std::collections::BTreeMap;

use super::decay::Decaying;
use super::{KarmaBook, KarmaVector, Reliability};
use crate::events::{Requirements, PPM};
use crate::identity::PeerId;

/// `value` in millionths as a decimal with `places` (≤ 6) digits after the point, truncated: how
/// every screen shows a karma value, so a figure reads the same wherever it appears.
pub fn decimal(value: u32, places: u32) -> String {
    let places = places.min(6);
    let digits = (value % PPM) / 10u32.pow(6 - places);
    format!("{}.{digits:0width$}", value / PPM, width = places as usize)
}

/// A value and its threshold as three decimals, or six where three would show them equal.
fn shown(value: u32, needed: u32) -> (String, String) {
    let (value_text, needed_text) = (decimal(value, 3), decimal(needed, 3));
    if value_text == needed_text {
        (decimal(value, 6), decimal(needed, 6))
    } else {
        (value_text, needed_text)
    }
}

fn named_at(map: &BTreeMap<String, Decaying>, name: &str, at_ms: u64, half_life_ms: u64) -> u32 {
    map.get(name).map_or(0, |entry| entry.at(at_ms, half_life_ms))
}

impl KarmaBook {
    /// Dimension names: `accuracy.<domain>`, `skills.<skill>`, `reliability.completion`,
    /// `reliability.uptime`, `jury`. An unknown dimension or identity reads 0.
    pub fn value(&self, who: &PeerId, dimension: &str, at_ms: u64) -> u32 {
        let Some(record) = self.records.get(who) else { return 0 };
        let half_life_ms = self.params.half_life_ms;
        match dimension {
            "reliability.completion" => record.completion.at(at_ms, half_life_ms),
            "reliability.uptime" => record.uptime_at(at_ms, self.params.alpha_ppm, half_life_ms),
            "jury" => record.jury.at(at_ms, half_life_ms),
            _ => {
                if let Some(domain) = dimension.strip_prefix("accuracy.") {
                    named_at(&record.accuracy, domain, at_ms, half_life_ms)
                } else if let Some(skill) = dimension.strip_prefix("skills.") {
                    named_at(&record.skills, skill, at_ms, half_life_ms)
                } else {
                    0
                }
            }
        }
    }

    /// Ok, or the first unmet gate as a sentence: karma minimums in order, then skills (a skill is
    /// shown while its value is above 0).
    pub fn meets(&self, who: &PeerId, requirements: &Requirements, at_ms: u64) -> Result<(), String> {
        for gate in &requirements.karma_min {
            let value = self.value(who, &gate.dimension, at_ms);
            if value < gate.min_ppm {
                let (value_text, needed_text) = shown(value, gate.min_ppm);
                return Err(format!("{} is {value_text}, needs {needed_text}", gate.dimension));
            }
        }
        let half_life_ms = self.params.half_life_ms;
        for skill in &requirements.skills {
            let value = self.records.get(who).map_or(0, |record| named_at(&record.skills, skill, at_ms, half_life_ms));
            if value == 0 {
                return Err(format!("skill {skill} has not been shown by a completed task"));
            }
        }
        Ok(())
    }

    /// `who`'s whole vector at `at_ms`; an unknown identity's is all zero.
    pub fn vector(&self, who: &PeerId, at_ms: u64) -> KarmaVector {
        let Some(record) = self.records.get(who) else { return KarmaVector::default() };
        let half_life_ms = self.params.half_life_ms;
        let decayed = |map: &BTreeMap<String, Decaying>| -> BTreeMap<String, u32> {
            map.iter().map(|(name, entry)| (name.clone(), entry.at(at_ms, half_life_ms))).collect()
        };
        let mut skills = decayed(&record.skills);
        skills.retain(|_, value| *value > 0);
        KarmaVector {
            accuracy: decayed(&record.accuracy),
            skills,
            reliability: Reliability {
                completion_ppm: record.completion.at(at_ms, half_life_ms),
                response_ms: record.response_ms.unwrap_or(0),
                uptime_ppm: record.uptime_at(at_ms, self.params.alpha_ppm, half_life_ms),
            },
            jury_ppm: record.jury.at(at_ms, half_life_ms),
            data_access: record.data_access.clone(),
            trust_depth: record.trust_depth,
            total_tasks: record.total_tasks,
            total_earnings: record.total_earnings,
        }
    }

    /// One number to rank identities, in millionths: `work · (1 + uptime) / 2` where
    /// `work = (3·completion + jury) / 4`. Earned only by decided work (and, once on juries, by
    /// agreeing with majorities); uptime scales it between half and all of it.
    pub fn standing(&self, who: &PeerId, at_ms: u64) -> u32 {
        let Some(record) = self.records.get(who) else { return 0 };
        let half_life_ms = self.params.half_life_ms;
        let completion = u64::from(record.completion.at(at_ms, half_life_ms));
        let jury = u64::from(record.jury.at(at_ms, half_life_ms));
        let uptime = u64::from(record.uptime_at(at_ms, self.params.alpha_ppm, half_life_ms));
        let work = (3 * completion + jury) / 4;
        let standing = work * (u64::from(PPM) + uptime) / (2 * u64::from(PPM));
        u32::try_from(standing).unwrap_or(PPM)
    }
}
