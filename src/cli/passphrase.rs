//! Passphrases for protected keys (口令保护) on the command line: read from the file named by
//! `REVIEWDESK_PASSPHRASE_FILE` for scripts and tests, else typed at the terminal without echo.

use crate::ledger::identity::PassphraseSource;
use anyhow::{Result, anyhow, bail};
use std::io::IsTerminal;
use std::path::Path;
use std::rc::Rc;

/// The file holding the passphrase of the key being opened.
pub const FILE_VAR: &str = "REVIEWDESK_PASSPHRASE_FILE";
/// The file holding a new passphrase (`init --protect`, `key passwd`).
pub const NEW_FILE_VAR: &str = "REVIEWDESK_NEW_PASSPHRASE_FILE";
/// Shorter passphrases are refused when one is set.
pub const MIN_CHARS: usize = 8;

/// Reads a passphrase file: its text without the line ending an editor adds.
fn read_file(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow!(
            "无法读取口令文件 {}：{e}（由 {FILE_VAR} 或 {NEW_FILE_VAR} 指定） / cannot read the passphrase file {}: {e} (named by {FILE_VAR} or {NEW_FILE_VAR})",
            path.display(),
            path.display()
        )
    })?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

fn env_file(var: &str) -> Option<std::path::PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(Into::into)
}

fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

fn prompt(text: &str) -> Option<String> {
    rpassword::prompt_password(text).ok()
}

/// The source the keyring asks when it opens a sealed key: the file once, or up to three
/// prompts at the terminal.
pub fn source() -> PassphraseSource {
    Rc::new(|name: &str, failed: u32| {
        if let Some(path) = env_file(FILE_VAR) {
            return if failed == 0 { read_file(&path).ok() } else { None };
        }
        if !interactive() {
            return None;
        }
        if failed > 0 {
            say_err!("口令不正确，请重试 / wrong passphrase, try again");
        }
        prompt(&format!("“{name}”的口令 / passphrase for “{name}”: "))
    })
}

/// A new passphrase: from `REVIEWDESK_NEW_PASSPHRASE_FILE` (or, when `fallback_to_current`,
/// `REVIEWDESK_PASSPHRASE_FILE`), else typed twice at the terminal.
pub fn new_passphrase(name: &str, fallback_to_current: bool) -> Result<String> {
    let file = env_file(NEW_FILE_VAR).or_else(|| if fallback_to_current { env_file(FILE_VAR) } else { None });
    let chosen = match file {
        Some(path) => read_file(&path)?,
        None if interactive() => {
            let first = prompt(&format!("为“{name}”设置新口令 / new passphrase for “{name}”: "))
                .ok_or_else(|| anyhow!("没有读到口令 / no passphrase was read"))?;
            let again = prompt("再输入一次 / type it again: ")
                .ok_or_else(|| anyhow!("没有读到口令 / no passphrase was read"))?;
            if first != again {
                bail!("两次输入的口令不一致，什么也没改 / the two passphrases differ; nothing was changed");
            }
            first
        }
        None => bail!(
            "需要新口令：请在终端中运行，或用 {NEW_FILE_VAR} 指定口令文件 / a new passphrase is needed: run this at a terminal, or name a file holding it in {NEW_FILE_VAR}"
        ),
    };
    check_strength(&chosen)?;
    Ok(chosen)
}

/// Refuses passphrases too short to stand up to guessing, even behind scrypt.
pub fn check_strength(p: &str) -> Result<()> {
    if p.chars().count() < MIN_CHARS {
        bail!(
            "口令太短：至少 {MIN_CHARS} 个字符（汉字、字母、数字均可） / the passphrase is too short: use at least {MIN_CHARS} characters (Chinese, letters or digits)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passphrases_are_refused_and_chinese_ones_count_by_character() {
        assert!(check_strength("abc1234").is_err());
        assert!(check_strength("评审台口令二零二六").is_ok());
        assert!(check_strength("correct horse").is_ok());
    }

    #[test]
    fn the_file_loses_only_its_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p");
        std::fs::write(&path, " 口令 with spaces \r\n").unwrap();
        assert_eq!(read_file(&path).unwrap(), " 口令 with spaces ");
    }
}
