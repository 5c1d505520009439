//! The task market state machine (being written).
