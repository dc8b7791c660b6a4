//! Drives a subscription's VM (filled in with the session work).
