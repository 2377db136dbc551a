//! Command line: each command parses its arguments and calls the layers below.

/// Prints a line for a person to read. Text from events, bundles and intake files passes
/// through here, so control characters (escape sequences, carriage returns, bidi overrides)
/// are shown escaped and can never move the cursor or fake a line of output; line breaks and
/// tabs stay.
macro_rules! say {
    () => {
        println!()
    };
    ($($arg:tt)*) => {
        println!("{}", $crate::domain::text::printable_lines(&format!($($arg)*)))
    };
}

/// [`say`] for standard error.
macro_rules! say_err {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::domain::text::printable_lines(&format!($($arg)*)))
    };
}

mod decide;
mod demo;
mod doctor;
mod exchange;
pub mod generate;
mod home;
mod init;
mod intake;
mod key;
mod log;
mod meeting;
mod output;
mod passphrase;
mod proceedings;
mod profile;
mod queue;
mod rectification;
mod report;
mod score;
mod trust;

pub use home::Home;

use crate::domain::Lang;
use anyhow::Result;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// 评审台 reviewdesk: expert review of government IT project applications (立项 / 变更 / 验收)
/// on air-gapped machines.
#[derive(Debug, Parser)]
#[command(name = "reviewdesk", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// Data folder (store and keys) [default: the platform data folder]
    #[arg(long, global = true, env = "REVIEWDESK_HOME", value_name = "DIR")]
    pub home: Option<PathBuf>,

    /// Act as this identity of the home (for shared meeting machines)
    #[arg(long = "as", global = true, env = "REVIEWDESK_AS", value_name = "NAME")]
    pub as_name: Option<String>,

    /// Language of the output: zh or en [default: from the locale]
    #[arg(long, global = true, value_parser = parse_lang, value_name = "LANG")]
    pub lang: Option<Lang>,

    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// With no command, the screens open
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the home (if needed) and a new identity with its signing key
    Init(init::Args),
    /// Show, list or export identities; revoke a key (secretariat)
    #[command(subcommand)]
    Key(key::Cmd),
    /// Manage the secretariat keys this machine trusts
    #[command(subcommand)]
    Trust(trust::Cmd),
    /// Open, list and show review meetings
    #[command(subcommand)]
    Meeting(meeting::Cmd),
    /// List, show and check policy profiles (the rules each source text sets)
    #[command(subcommand)]
    Profile(profile::Cmd),
    /// Register applications from a CSV, XLSX or JSON file (secretariat)
    Intake(intake::Args),
    /// List a meeting's applications with scores, rules and status
    Queue(queue::QueueArgs),
    /// Show one application: facts, findings, scores, decision and history
    Show(queue::ShowArgs),
    /// Submit (sign) a score sheet for an application (expert)
    Score(score::Args),
    /// Declare a conflict of interest (回避) and step aside from an application, or withdraw the
    /// declaration with --withdraw before the decision (expert)
    Conflict(score::ConflictArgs),
    /// Record the panel's decision on an application (chair)
    Decide(decide::Args),
    /// Sign in at the meeting with the expert pledge (承诺书); scoring opens after it
    SignIn(proceedings::SignInArgs),
    /// Countersign the chair's decision (签字确认), or sign with a dissent (--dissent 保留意见)
    Countersign(proceedings::CountersignArgs),
    /// Make a decision final with members missing, recording who and why (chair)
    Finalise(proceedings::FinaliseArgs),
    /// Record the panel's written question to the applicant, or (secretariat) the answer (澄清)
    Clarify(proceedings::ClarifyArgs),
    /// Call a named vote on an application (chair), or cast yours (记名表决)
    #[command(subcommand)]
    Vote(proceedings::VoteCmd),
    /// Seat a substitute on an application below quorum (增补专家; secretariat), drawn by continuing
    /// the meeting's recorded draw from the same pool
    Substitute(proceedings::SubstituteArgs),
    /// Put an application under discussion (当前议题; chair or secretariat), or show the item
    /// and the order the items were taken in
    Agenda(proceedings::AgendaArgs),
    /// Show the event history, with every author's chain, gaps and forks
    Log(log::Args),
    /// Write this machine's events (or one meeting's, or one author's) to a signed bundle
    Export(exchange::ExportArgs),
    /// Verify bundles, then apply each in one transaction, and report what happened
    Import(exchange::ImportArgs),
    /// Check a bundle without touching any store, and show what it holds
    Verify(exchange::VerifyArgs),
    /// Write the meeting's results: score summary and opinion forms (secretariat or chair)
    Report(report::ReportArgs),
    /// Follow 限期整改 orders across meetings, and lift a unit's hold on later approvals (第二十三条)
    #[command(subcommand)]
    Rectification(rectification::Cmd),
    /// Write templates: `template intake --out FILE.xlsx`
    #[command(subcommand)]
    Template(report::TemplateCmd),
    /// Check this machine's store, keys and trust list, with what to do for each problem
    Doctor(doctor::DoctorArgs),
    /// Copy the whole store to a file (SQLite online backup: works while the app is open)
    Backup(doctor::BackupArgs),
    /// Replace the store with a backup (the store as it was is kept beside it)
    Restore(doctor::RestoreArgs),
    /// Generate a large synthetic meeting in a new home (for benchmarks and trying the screens at scale)
    Generate(generate::Args),
    /// Build a realistic demo meeting in its own home and show it
    Demo(demo::Args),
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    match s.to_lowercase().as_str() {
        "zh" | "zh-cn" | "zh_cn" | "cn" | "中文" => Ok(Lang::Zh),
        "en" | "en-us" | "en_us" | "english" => Ok(Lang::En),
        _ => Err("use zh or en".into()),
    }
}

/// The language from `--lang`, else the locale, else Chinese (our users read Chinese).
pub fn language(arg: Option<Lang>) -> Lang {
    if let Some(l) = arg {
        return l;
    }
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_default();
    if locale.starts_with("en") { Lang::En } else { Lang::Zh }
}

/// What every command gets: where the home is, who acts, how to print, and what time it is.
pub struct Ctx {
    pub home: Home,
    pub as_name: Option<String>,
    pub lang: Lang,
    pub json: bool,
    pub now: DateTime<Utc>,
}

impl Ctx {
    /// Picks the text for the output language.
    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        home: Home::resolve(cli.home.clone())?,
        as_name: cli.as_name.clone(),
        lang: language(cli.lang),
        json: cli.json,
        now: crate::clock::now().map_err(anyhow::Error::msg)?,
    };
    let Some(command) = cli.command else {
        let store = ctx.home.open()?;
        let me = ctx.home.identity(ctx.as_name.as_deref())?;
        return crate::tui::run(store, me, ctx.home.keyring(), &ctx.home.dir, ctx.lang);
    };
    match command {
        Command::Init(a) => init::run(&ctx, a),
        Command::Key(c) => key::run(&ctx, c),
        Command::Trust(c) => trust::run(&ctx, c),
        Command::Meeting(c) => meeting::run(&ctx, c),
        Command::Profile(c) => profile::run(&ctx, c),
        Command::Intake(a) => intake::run(&ctx, a),
        Command::Queue(a) => queue::run_queue(&ctx, a),
        Command::Show(a) => queue::run_show(&ctx, a),
        Command::Score(a) => score::run(&ctx, a),
        Command::Conflict(a) => score::run_conflict(&ctx, a),
        Command::Decide(a) => decide::run(&ctx, a),
        Command::SignIn(a) => proceedings::sign_in(&ctx, a),
        Command::Countersign(a) => proceedings::countersign(&ctx, a),
        Command::Finalise(a) => proceedings::finalise(&ctx, a),
        Command::Clarify(a) => proceedings::clarify(&ctx, a),
        Command::Vote(c) => proceedings::vote(&ctx, c),
        Command::Agenda(a) => proceedings::agenda(&ctx, a),
        Command::Substitute(a) => proceedings::substitute(&ctx, a),
        Command::Log(a) => log::run(&ctx, a),
        Command::Export(a) => exchange::run_export(&ctx, a),
        Command::Import(a) => exchange::run_import(&ctx, a),
        Command::Verify(a) => exchange::run_verify(&ctx, a),
        Command::Report(a) => report::run_report(&ctx, a),
        Command::Rectification(c) => rectification::run(&ctx, c),
        Command::Template(c) => report::run_template(&ctx, c),
        Command::Doctor(a) => doctor::run_doctor(&ctx, a),
        Command::Backup(a) => doctor::run_backup(&ctx, a),
        Command::Restore(a) => doctor::run_restore(&ctx, a),
        Command::Generate(a) => generate::run(&ctx, a),
        Command::Demo(a) => demo::run(&ctx, a, cli.home.is_some()),
    }
}
