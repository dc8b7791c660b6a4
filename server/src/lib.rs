//! The Kalavar server.
