//! imr host.
