//! Merging on arbitrary histories: the input is read as a plan of operations (re-opens, rubric
//! changes, re-registrations under other kinds, scores, conflicts and their withdrawals,
//! decisions, revocations by two secretariats with any cut-off, a rival secretariat opening the
//! same meeting), signed on a source store, then as a split of the signed events into batches
//! delivered in the order the input gives. After every batch the state must equal that of a store given the same events in
//! signing order; at the end, everything again changes nothing and equals the source. A panic
//! is a finding: the merged state depended on arrival order.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/merge_history/mod.rs"]
mod merge_history;

use merge_history::{Op, Plan, build, check_deliveries};

/// Reads bytes as small numbers, 0 once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> usize {
        let Some((first, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        *first as usize
    }

    fn done(&self) -> bool {
        self.0.is_empty()
    }
}

fn op(b: &mut Bytes) -> Op {
    match b.next() % 24 {
        0..=2 => Op::Register { meeting: b.next(), app: b.next() % 2, kind: b.next() },
        3..=4 => Op::Reopen { meeting: b.next(), change: b.next() % 3 },
        5..=10 => {
            Op::Score { expert: b.next() % 6, meeting: b.next(), app: b.next() % 2, total: (b.next() % 101) as u32 }
        }
        11..=12 => Op::Conflict { expert: b.next() % 6, meeting: b.next(), app: b.next() % 2 },
        13..=14 => {
            let outcome = b.next();
            Op::Decide { meeting: b.next(), app: b.next() % 2, outcome: (outcome % 4 < 3).then_some(outcome % 4) }
        }
        15 => Op::Revoke { by: b.next(), who: b.next(), back: (b.next() % 4) as u64, huge: b.next() % 5 == 0 },
        16 => Op::Rival { meeting: b.next() },
        17 => Op::Clear { by: b.next(), app: b.next() % 2 },
        18 => Op::Countersign { expert: b.next() % 6, meeting: b.next(), app: b.next() % 2, dissent: b.next() % 2 == 0 },
        19 => Op::CallVote { meeting: b.next(), app: b.next() % 2 },
        20 => Op::Cast { expert: b.next() % 6, meeting: b.next(), app: b.next() % 2, choice: b.next() },
        21 => Op::Close { by: b.next(), meeting: b.next(), back: (b.next() % 3) as u64 },
        22 => Op::Unseal { meeting: b.next() },
        _ => Op::Withdraw { expert: b.next() % 6, meeting: b.next(), app: b.next() % 2 },
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let experts = 3 + b.next() % 3;
    let meetings = 1 + b.next() % 2;
    let n = b.next() % 40;
    let ops = (0..n).map(|_| op(&mut b)).collect();
    let h = build(&Plan { experts, meetings, ops });
    // The rest of the input splits the events into up to four batches and orders each batch.
    let k = 1 + b.next() % 4;
    let mut batches = vec![Vec::new(); k];
    for ev in &h.events {
        let mask = if b.done() { 1 } else { b.next() % ((1 << k) - 1) + 1 };
        for (i, batch) in batches.iter_mut().enumerate() {
            if mask & (1 << i) != 0 {
                batch.push(ev.clone());
            }
        }
    }
    for batch in &mut batches {
        if !b.done() {
            let r = b.next();
            let by = r % batch.len().max(1);
            batch.rotate_left(by);
            if r & 1 == 1 {
                batch.reverse();
            }
        }
    }
    if let Err(e) = check_deliveries(&h, &batches) {
        panic!("the merged state depends on arrival order: {e}");
    }
});
