//! The Kalavar client library.
