//! The Brain Pay ledger (being written).
