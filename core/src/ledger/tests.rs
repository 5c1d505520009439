//! Unit tests of the ledger: each operation's effect, its refusals leaving everything unchanged, and
//! conservation.

use super::*;

fn peer(n: u8) -> PeerId {
    PeerId([n; 32])
}

fn task(n: u8) -> EventId {
    EventId([n; 32])
}

fn funded() -> Ledger {
    let mut ledger = Ledger::new();
    ledger.grant(1, peer(9), peer(1), 1_000).unwrap();
    ledger.grant(1, peer(9), peer(2), 50).unwrap();
    ledger
}

#[test]
fn grants_and_transfers_conserve_money() {
    let mut ledger = funded();
    ledger.transfer(2, peer(1), peer(3), 400).unwrap();
    assert_eq!((ledger.balance(&peer(1)), ledger.balance(&peer(3))), (600, 400));
    assert_eq!(ledger.totals(), Totals { issued: 1_050, balances: 1_050, escrow: 0, stakes: 0 });
    ledger.check_conservation().unwrap();
    let history = ledger.history(&peer(3));
    assert_eq!(history.len(), 1);
    assert_eq!(
        (history[0].kind, history[0].amount, history[0].counterparty),
        (EntryKind::TransferIn, 400, Some(peer(1)))
    );
}

#[test]
fn refused_operations_change_nothing() {
    let mut ledger = funded();
    ledger.lock_escrow(2, task(1), peer(1), 100).unwrap();
    ledger.lock_stake(2, task(1), peer(2), 10).unwrap();
    let before = ledger.clone();
    let overdraw = ledger.transfer(3, peer(2), peer(1), 41);
    assert_eq!(overdraw, Err(LedgerError::InsufficientFunds { who: peer(2), needed: 41, available: 40 }));
    assert_eq!(ledger.lock_escrow(3, task(1), peer(1), 1), Err(LedgerError::EscrowExists(task(1))));
    assert!(matches!(ledger.lock_escrow(3, task(2), peer(2), 41), Err(LedgerError::InsufficientFunds { .. })));
    assert_eq!(ledger.lock_stake(3, task(1), peer(2), 1), Err(LedgerError::StakeExists(task(1))));
    assert_eq!(ledger.refund(3, task(2)), Err(LedgerError::NoEscrow(task(2))));
    assert_eq!(ledger.return_stake(3, task(2)), Err(LedgerError::NoStake(task(2))));
    assert_eq!(ledger.release(3, task(1), &[(peer(2), 9_000, EntryKind::Payout)]), Err(LedgerError::BadSplit));
    let short = [Payout { to: peer(2), amount: 99, kind: EntryKind::Payout }];
    assert_eq!(ledger.release_exact(3, task(1), &short), Err(LedgerError::PayoutMismatch { escrow: 100, paid: 99 }));
    assert_eq!(ledger.grant(3, peer(9), peer(1), u64::MAX), Err(LedgerError::Overflow { amount: u64::MAX }));
    assert_eq!(ledger, before);
}

#[test]
fn release_splits_by_basis_points_without_losing_a_unit() {
    let mut ledger = funded();
    ledger.lock_escrow(2, task(1), peer(1), 101).unwrap();
    let payees = [
        (peer(2), 7_500, EntryKind::Payout),
        (peer(3), 1_500, EntryKind::RoutingFee),
        (peer(9), 1_000, EntryKind::ProtocolFee),
    ];
    let paid = ledger.release(3, task(1), &payees).unwrap();
    assert_eq!(paid.iter().map(|p| p.amount).collect::<Vec<_>>(), vec![76, 15, 10]);
    // 101 × 75% = 75.75 → 75, 15.15 → 15, 10.1 → 10; the 1 left over goes to the first payee.
    assert_eq!((ledger.balance(&peer(2)), ledger.balance(&peer(3)), ledger.balance(&peer(9))), (50 + 76, 15, 10));
    assert_eq!(ledger.escrow(&task(1)), None);
    ledger.check_conservation().unwrap();
}

#[test]
fn stakes_return_or_go_to_the_treasury() {
    let mut ledger = funded();
    ledger.lock_stake(2, task(1), peer(2), 10).unwrap();
    ledger.lock_stake(2, task(2), peer(2), 20).unwrap();
    assert_eq!((ledger.balance(&peer(2)), ledger.locked()[&peer(2)]), (20, (0, 30)));
    ledger.return_stake(3, task(1)).unwrap();
    ledger.forfeit_stake(3, task(2), peer(9)).unwrap();
    assert_eq!((ledger.balance(&peer(2)), ledger.balance(&peer(9))), (30, 20));
    let lost = ledger.history(&peer(2)).last().cloned().unwrap();
    assert_eq!((lost.kind, lost.amount, lost.counterparty), (EntryKind::StakeForfeited, -20, Some(peer(9))));
    ledger.check_conservation().unwrap();
}

#[test]
fn escrow_refunds_whole_or_the_excess() {
    let mut ledger = funded();
    ledger.lock_escrow(2, task(1), peer(1), 100).unwrap();
    assert_eq!((ledger.balance(&peer(1)), ledger.locked()[&peer(1)]), (900, (100, 0)));
    ledger.refund_excess(3, task(1), 80).unwrap();
    assert_eq!((ledger.balance(&peer(1)), ledger.locked()[&peer(1)]), (920, (80, 0)));
    ledger.refund(4, task(1)).unwrap();
    assert_eq!((ledger.balance(&peer(1)), ledger.locked().get(&peer(1))), (1_000, None));
    ledger.check_conservation().unwrap();
}

#[test]
fn history_is_bounded_per_identity() {
    let mut ledger = funded();
    for i in 0..(HISTORY_LIMIT as u64 + 50) {
        ledger.transfer(10 + i, peer(1), peer(3), 1).unwrap();
    }
    let history = ledger.history(&peer(1));
    assert_eq!(history.len(), HISTORY_LIMIT);
    assert_eq!(history.last().map(|e| e.at_ms), Some(10 + HISTORY_LIMIT as u64 + 49));
    assert_eq!(ledger.balance(&peer(1)), 1_000 - HISTORY_LIMIT as u64 - 50);
    assert_eq!(ledger.holders().collect::<Vec<_>>(), vec![peer(1), peer(2), peer(3)]);
}
