//! What a panel member signs from the screens beside their scores (会议程序): the sign-in with
//! the pledge, a countersignature or a dissent on the decision, a call of a named vote and a
//! vote. Each goes through the one confirmation; the bodies come from the application's view,
//! as `reviewdesk` builds them, so the screens and the command line refuse the same things.

use super::Signing;
use super::conflict::{ConflictForm, Purpose};
use crate::domain::Outcome;
use crate::domain::proceedings::Choice;
use crate::ledger::Body;
use crate::store::ApplicationView;
use crate::store::proceedings::NotNow;
use crate::tui::i18n::I18n;

fn refused(e: NotNow, t: &I18n) -> String {
    t.pick(&e.0.zh, &e.0.en).to_string()
}

fn signing(body: Body, title: String, text: String, done: String) -> Signing {
    Signing { body, title, text, done, closes: 0, draft: None }
}

/// 签到: the pledge as it is signed.
pub fn sign_in(meeting: &str, meeting_event: &str, t: &I18n) -> Signing {
    let pledge = crate::assets::PLEDGE.to_string();
    let body = Body::SignedIn { meeting: meeting.into(), meeting_event: meeting_event.into(), pledge: pledge.clone() };
    signing(body, t.t("signin.title").to_string(), pledge, t.t("signin.done").to_string())
}

/// 签字确认: agreeing with the decision on screen.
pub fn agree(view: &ApplicationView, key: &str, t: &I18n) -> Result<Signing, String> {
    let body = view.countersign(key, None).map_err(|e| refused(e, t))?;
    let a = &view.application;
    let outcome =
        view.decision.as_ref().map(|d| t.pick(d.decision.outcome.zh(), d.decision.outcome.en())).unwrap_or("");
    let text =
        t.line(format!("{}  {}\n\n{}：{outcome}\n\n{}", a.code, a.name, t.t("decision.outcome"), t.t("agree.what")));
    Ok(signing(
        body,
        t.t("agree.confirm_title").replace("{code}", &a.code),
        text,
        t.t("agree.done").replace("{code}", &a.code),
    ))
}

/// 保留意见: the reason form, which then signs a dissenting countersignature.
pub fn dissent(view: &ApplicationView, key: &str, t: &I18n) -> Result<ConflictForm, String> {
    let Body::Countersigned { decision, .. } = view.countersign(key, None).map_err(|e| refused(e, t))? else {
        return Err(t.t("decision.read_only").to_string());
    };
    let a = &view.application;
    Ok(ConflictForm::new(
        view.meeting_id.clone(),
        a.code.clone(),
        a.name.clone(),
        view.basis.clone(),
        Purpose::Dissent(decision),
    ))
}

/// 发起记名表决 on `motion`.
pub fn call_vote(view: &ApplicationView, motion: Outcome, t: &I18n) -> Result<Signing, String> {
    let body = view.call_vote(motion).map_err(|e| refused(e, t))?;
    let a = &view.application;
    let text =
        t.line(format!("{}  {}\n\n{}：{}", a.code, a.name, t.t("vote.motion"), t.pick(motion.zh(), motion.en())));
    Ok(signing(body, t.t("vote.call_title").replace("{code}", &a.code), text, t.t("vote.called").to_string()))
}

/// A vote on the latest motion.
pub fn ballot(view: &ApplicationView, choice: Choice, t: &I18n) -> Result<Signing, String> {
    let body = view.ballot(choice, "").map_err(|e| refused(e, t))?;
    let a = &view.application;
    let motion = view.proceedings.votes.last().map(|v| t.pick(v.motion.zh(), v.motion.en())).unwrap_or("");
    let text = t.line(format!(
        "{}  {}\n\n{}：{motion}\n{}：{}",
        a.code,
        a.name,
        t.t("vote.motion"),
        t.t("vote.choice"),
        t.pick(choice.zh(), choice.en())
    ));
    Ok(signing(body, t.t("vote.cast_title").replace("{code}", &a.code), text, t.t("vote.cast").to_string()))
}

/// 设定当前议题: the chair or the secretariat puts `code` under discussion.
pub fn agenda(meeting: &str, meeting_event: &str, code: &str, t: &I18n) -> Signing {
    let body = Body::AgendaSet { meeting: meeting.into(), meeting_event: meeting_event.into(), code: code.into() };
    let text = t.line(format!("{}：{code}", t.t("projector.now")));
    signing(body, t.t("agenda.confirm_title").replace("{code}", code), text, t.t("agenda.done").replace("{code}", code))
}
