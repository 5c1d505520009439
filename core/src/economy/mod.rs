//! The economy fold (being written).
