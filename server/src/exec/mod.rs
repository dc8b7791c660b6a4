//! Statement execution for sessions: turning what a client sends into prepared
//! plans ([`prepare`]: decode and verify, through the [`PlanCache`]; [`query`]:
//! compile text on the server), binding parameters ([`params`]), running them with
//! the session's transaction ([`Executor`]), and sending results as protocol messages
//! ([`output`]). Bulk loads ([`load`]) write Arrow batches straight to storage. The
//! short path's durable writes commit in groups on the commit thread ([`commit`]).

pub mod commit;
mod load;
pub mod output;
pub mod params;
mod plan_cache;
pub mod prepare;
pub mod query;
mod session;

pub use commit::Committer;
pub use load::LoadTicket;
pub use plan_cache::PlanCache;
pub use session::{Executor, PendingCommit, Request, RowAnswer, Short, kql_role};
