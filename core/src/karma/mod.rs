//! Karma vectors (being written).
