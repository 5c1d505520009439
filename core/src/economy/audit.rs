//! The economy's invariants, checkable after any event: money is conserved, every escrow and stake
//! belongs to a task in a state that holds it, for the right owner and amount, and no task still
//! waits for someone past its timeout. Owns only the checks; a failure is a bug in the fold, never a
//! peer's doing.

use super::Economy;

impl Economy {
    /// Ok, or what is wrong with the books.
    pub fn audit(&self) -> Result<(), String> {
        self.ledger.check_conservation().map_err(|e| e.to_string())?;
        let (mut escrows, mut stakes) = (0usize, 0usize);
        for task in self.market.tasks() {
            let escrow = self.ledger.escrow(&task.id);
            if task.state.is_final() {
                if escrow.is_some() || self.ledger.stake(&task.id).is_some() {
                    return Err(format!("task {} is {} but still holds money", task.id, task.state.as_str()));
                }
                continue;
            }
            match escrow {
                Some(lock) if lock.owner == task.requester && lock.amount == task.price => escrows += 1,
                other => {
                    return Err(format!("task {} escrow {other:?} does not match its price {}", task.id, task.price))
                }
            }
            match (task.state.holds_stake(), self.ledger.stake(&task.id), task.executor) {
                (true, Some(lock), Some(executor)) if lock.owner == executor && lock.amount == task.stake => {
                    stakes += 1
                }
                (false, None, _) => {}
                (_, other, _) => return Err(format!("task {} stake {other:?} does not match its state", task.id)),
            }
            if let Some(due_ms) = task.due_ms(&self.rules).filter(|&due_ms| due_ms < self.now_ms) {
                let state = task.state.as_str();
                return Err(format!("task {} is still {state} after its wait timed out at {due_ms}", task.id));
            }
        }
        let (held_escrows, held_stakes) = self.ledger.lock_counts();
        if (held_escrows, held_stakes) != (escrows, stakes) {
            return Err(format!(
                "the ledger holds {held_escrows} escrows and {held_stakes} stakes; open tasks account for {escrows} and {stakes}"
            ));
        }
        Ok(())
    }
}
