//! The owner's policy: what work this device accepts from the swarm, and when.
//!
//! Stored on the device, published inside the capability envelope (so peers do not offer work
//! it would refuse), and enforced locally before the app bids on, claims or runs a task.

use serde::{Deserialize, Serialize};

use super::kinds::TaskKind;
use super::sensitivity::Sensitivity;

/// The device's power source, as the browser reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Power {
    /// No battery API (desktop browsers without one, workers): treated as mains power.
    #[default]
    Unknown,
    Charging,
    OnBattery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerPolicy {
    /// Kinds of work this device takes on.
    pub kinds: Vec<TaskKind>,
    /// Most private data class the owner lets this device handle for others.
    pub max_sensitivity: Sensitivity,
    /// Share of the CPU that swarm work may use, in percent (1 to 100): bounds worker threads
    /// and batch sizes.
    pub max_cpu_percent: u8,
    /// Share of the GPU, in percent (0 turns GPU work off).
    pub max_gpu_percent: u8,
    pub only_while_charging: bool,
}

impl Default for OwnerPolicy {
    /// A cautious start: machine work only (no physical errands), general data, half the CPU,
    /// half the GPU, on battery too.
    fn default() -> Self {
        OwnerPolicy {
            kinds: TaskKind::ALL.into_iter().filter(|k| *k != TaskKind::Physical).collect(),
            max_sensitivity: Sensitivity::General,
            max_cpu_percent: 50,
            max_gpu_percent: 50,
            only_while_charging: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("CPU share must be 1 to 100 percent, is {0}")]
    CpuShare(u8),
    #[error("GPU share must be 0 to 100 percent, is {0}")]
    GpuShare(u8),
    #[error("a kind of work is listed twice")]
    DuplicateKind,
}

impl OwnerPolicy {
    pub fn check(&self) -> Result<(), PolicyError> {
        if !(1..=100).contains(&self.max_cpu_percent) {
            return Err(PolicyError::CpuShare(self.max_cpu_percent));
        }
        if self.max_gpu_percent > 100 {
            return Err(PolicyError::GpuShare(self.max_gpu_percent));
        }
        let mut kinds = self.kinds.clone();
        kinds.sort();
        kinds.dedup();
        if kinds.len() != self.kinds.len() {
            return Err(PolicyError::DuplicateKind);
        }
        Ok(())
    }

    /// Whether this device takes a task of `kind` holding `class` data right now; the refusal
    /// says which rule of the owner's stands in the way.
    pub fn permits(&self, kind: TaskKind, class: Sensitivity, power: Power) -> Result<(), String> {
        if !self.kinds.contains(&kind) {
            return Err(format!("your policy does not accept {}", kind.label()));
        }
        self.permits_data(class, power)
    }

    /// The same for a task whose domain names no kind of work: only the data class and power
    /// rules can refuse it (and a policy that accepts no kind at all).
    pub fn permits_unnamed_kind(&self, class: Sensitivity, power: Power) -> Result<(), String> {
        if self.kinds.is_empty() {
            return Err("your policy accepts no kind of work".into());
        }
        self.permits_data(class, power)
    }

    fn permits_data(&self, class: Sensitivity, power: Power) -> Result<(), String> {
        if class > self.max_sensitivity {
            return Err(format!(
                "the task holds {} data; your policy accepts up to {}",
                class.label(),
                self.max_sensitivity.label()
            ));
        }
        if self.only_while_charging && power == Power::OnBattery {
            return Err("your policy accepts work only while charging, and this device is on battery".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_rule() {
        let mut policy = OwnerPolicy { only_while_charging: true, ..OwnerPolicy::default() };
        assert_eq!(policy.check(), Ok(()));
        assert_eq!(policy.permits(TaskKind::Code, Sensitivity::General, Power::Charging), Ok(()));
        assert_eq!(policy.permits(TaskKind::Code, Sensitivity::General, Power::Unknown), Ok(()));
        let on_battery = policy.permits(TaskKind::Code, Sensitivity::General, Power::OnBattery).unwrap_err();
        assert!(on_battery.contains("only while charging"));
        let errand = policy.permits(TaskKind::Physical, Sensitivity::General, Power::Charging).unwrap_err();
        assert_eq!(errand, "your policy does not accept work in the physical world");
        let private = policy.permits(TaskKind::Code, Sensitivity::Internal, Power::Charging).unwrap_err();
        assert!(private.contains("internal data"));
        policy.max_cpu_percent = 0;
        assert_eq!(policy.check(), Err(PolicyError::CpuShare(0)));
        policy.max_cpu_percent = 10;
        policy.kinds.push(TaskKind::Code);
        assert_eq!(policy.check(), Err(PolicyError::DuplicateKind));
    }

    #[test]
    fn a_task_that_names_no_kind_meets_only_the_data_and_power_rules() {
        let mut policy = OwnerPolicy { only_while_charging: true, ..OwnerPolicy::default() };
        assert_eq!(policy.permits_unnamed_kind(Sensitivity::General, Power::Charging), Ok(()));
        let private = policy.permits_unnamed_kind(Sensitivity::Internal, Power::Charging).unwrap_err();
        assert!(private.contains("internal data"), "{private}");
        let on_battery = policy.permits_unnamed_kind(Sensitivity::General, Power::OnBattery).unwrap_err();
        assert!(on_battery.contains("only while charging"), "{on_battery}");
        policy.kinds.clear();
        let none = policy.permits_unnamed_kind(Sensitivity::General, Power::Charging).unwrap_err();
        assert_eq!(none, "your policy accepts no kind of work");
    }
}
