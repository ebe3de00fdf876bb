//! `ward restore`: puts back what an interrupted run set aside, or lists the backups.

use anyhow::Result;

use crate::cli::RestoreArgs;
use crate::exit::ExitStatus;
use crate::printer::{Printer, Stream};
use crate::repo::Repo;
use crate::safe::{self, Recovery};

pub fn restore(args: &RestoreArgs) -> Result<ExitStatus> {
    let cwd = std::env::current_dir()?;
    let repo = Repo::discover(&cwd)?.ok_or_else(|| anyhow::anyhow!("not inside a git repository"))?;
    let printer = Printer::new(crate::cli::ColorChoice::Auto, Stream::Stdout);
    if args.list {
        return list(&repo, &printer);
    }
    match safe::recover(&repo)? {
        Recovery::Nothing => {
            printer.line("nothing to restore: no backup is waiting");
        }
        Recovery::Busy(pid) => {
            let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
            printer.line(&format!("a ward run{pid} is in progress here and puts its own backup back when it ends"));
            return Ok(ExitStatus::Failure);
        }
        Recovery::Restored(restored) => {
            for backup in &restored {
                printer.write(&safe::describe(backup));
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn list(repo: &Repo, printer: &Printer) -> Result<ExitStatus> {
    let backups = safe::list(repo)?;
    if backups.is_empty() {
        printer.line("no backups");
    }
    for backup in backups {
        let shown = backup.dir.strip_prefix(&repo.root).unwrap_or(&backup.dir).display().to_string();
        let mut text = match &backup.journal {
            Some(journal) => {
                let state = match backup.owner {
                    Some(pid) => format!("in use by the running ward (pid {pid})"),
                    None => "left by an interrupted run: `ward restore` puts it back".to_string(),
                };
                format!("{shown}: pid {}, started {}, {state}\n", journal.pid, journal.started)
            }
            None => format!("{shown}: no readable journal\n"),
        };
        for file in backup.journal.iter().flat_map(|j| &j.files) {
            text.push_str(&format!("    {}\n", crate::repo::staging::shown(&file.path.0)));
        }
        printer.write(&text);
    }
    Ok(ExitStatus::Success)
}
