//! The wire protocol shared by client and server.
