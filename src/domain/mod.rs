//! Pure types and rules: money, applications, rubrics, aggregation, policy findings, outcomes.
//! Nothing here does I/O or knows of SQL, files or terminals.

pub mod aggregate;
pub mod application;
pub mod calendar;
pub mod dates;
pub mod draw;
pub mod local_time;
pub mod maintenance;
pub mod money;
pub mod outcome;
pub mod percent;
pub mod points;
pub mod policy;
pub mod proceedings;
pub mod profile;
pub mod rectification;
pub mod review;
pub mod rubric;
pub mod text;

pub use aggregate::{Aggregate, Method, aggregate};
pub use application::{Application, ApplicationKind, Document, Nature, PlanClass, ProtectionLevel};
pub use money::Money;
pub use outcome::{Assessment, Decision, DecisionError, Forbidden, MissingSheets, Outcome, assess, lawful, suggest};
pub use points::{Centi, Points};
pub use policy::{Finding, Profile, Severity};
pub use rubric::{Rubric, ScoreSheet, VetoMark};
pub use text::{Lang, Reason, ReasonError, Text};
