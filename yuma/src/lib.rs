//! Yuma consensus simulator.
