//! Matches checks to files and turns them into jobs with read/write sets and dependencies.

use std::collections::HashSet;

use crate::checks::builtin::Scope;
use crate::cli::Stage;
use crate::config::{Check, CheckKind, Config};
use crate::select::identify::{Tag, TagSet};
use crate::select::shard::{self, Shard};
use crate::select::FileSet;

/// What the run does with fixers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Fixers rewrite files (the hook, a plain `ward run`).
    Fix,
    /// Nothing is written; fixers report what they would change (`--check`, CI).
    Check,
}

/// The choices of one run that decide what runs.
pub struct Request<'a> {
    pub stage: Stage,
    /// Only these check ids (empty: all).
    pub only: &'a [String],
    pub skip: &'a HashSet<String>,
    pub mode: Mode,
    pub jobs: usize,
    /// The bytes one command line may take (argument strings and pointers).
    pub arg_limit: usize,
    /// Only this shard's part of the files (whole-project checks run in shard 1 only).
    pub shard: Option<Shard>,
    /// The run has commit messages to check (`--message`, or a range's commits).
    pub has_messages: bool,
}

/// A check of this run: selected by stage and id, with the files it matched.
#[derive(Debug)]
pub struct PlannedCheck {
    /// Index into `Config::checks`.
    pub check: usize,
    /// Indices into `FileSet::files`, in path order.
    pub files: Vec<usize>,
    /// `None` when it runs, else why it is skipped.
    pub skip: Option<String>,
}

/// One unit of work for the scheduler.
#[derive(Debug)]
pub struct Job {
    pub kind: JobKind,
    /// Files it reads and files it may write (indices into the file set), for exclusion.
    pub reads: Vec<usize>,
    pub writes: Vec<usize>,
    /// Jobs (indices into `Plan::jobs`) that must finish first.
    pub deps: Vec<usize>,
}

#[derive(Debug)]
pub enum JobKind {
    /// One process of an external check over `files` (empty when it does not take files).
    External { planned: usize, files: Vec<usize> },
    /// Consecutive content built-ins, run together with one read per file.
    Content { planned: Vec<usize> },
    /// A built-in that looks at names, metadata or git, once.
    Paths { planned: usize },
}

#[derive(Debug)]
pub struct Plan {
    pub checks: Vec<PlannedCheck>,
    pub jobs: Vec<Job>,
}

impl Plan {
    /// The planned index of each job's check(s), for bookkeeping.
    pub fn job_checks(&self, job: usize) -> Vec<usize> {
        match &self.jobs[job].kind {
            JobKind::External { planned, .. } | JobKind::Paths { planned } => vec![*planned],
            JobKind::Content { planned } => planned.clone(),
        }
    }
}

/// Whether `check` takes the file at `path` with `tags`, under the global filters: pre-commit's
/// rule (every tag of `types`, one of `types_or`, none of `exclude_types`).
pub fn matches(config: &Config, check: &Check, path: &str, tags: TagSet) -> bool {
    let settings = &config.settings;
    if settings.exclude.as_ref().is_some_and(|g| g.is_match(path))
        || settings.files_regex.as_ref().is_some_and(|r| !r.is_match(path))
        || settings.exclude_regex.as_ref().is_some_and(|r| r.is_match(path))
    {
        return false;
    }
    tags.contains_all(check.types)
        && (check.types_or.is_empty() || tags.intersects(check.types_or))
        && !tags.intersects(check.exclude_types)
        && check.files.as_ref().is_none_or(|g| g.is_match(path))
        && !check.exclude.as_ref().is_some_and(|g| g.is_match(path))
        && check.files_regex.as_ref().is_none_or(|r| r.is_match(path))
        && !check.exclude_regex.as_ref().is_some_and(|r| r.is_match(path))
        && takes_links(check, tags)
}

/// A tool handed a symbolic link would read or rewrite what it points at, which may be outside
/// the work tree: as in pre-commit, an external check sees links only when its `types` asks for
/// `symlink`. Built-ins look at links themselves and never follow them.
fn takes_links(check: &Check, tags: TagSet) -> bool {
    !tags.contains(Tag::SYMLINK) || check.types.contains(Tag::SYMLINK) || !matches!(check.kind, CheckKind::External(_))
}

/// Decides what runs: which checks, on which files, in which jobs.
pub fn plan(config: &Config, files: &FileSet, request: &Request) -> Plan {
    let in_shard = shard_mask(files, request.shard);
    let first_shard = request.shard.is_none_or(|s| s.index == 1);
    let mut checks = Vec::new();
    for (index, check) in config.checks.iter().enumerate() {
        if !check.in_stage(request.stage) || (!request.only.is_empty() && !request.only.contains(&check.id)) {
            continue;
        }
        // The extras beyond the selection exist only for `ci_all_files` checks in CI.
        let candidates =
            if check.ci_all_files && request.stage == Stage::Ci { files.files.len() } else { files.selected() };
        let matched: Vec<usize> =
            (0..candidates).filter(|&i| matches(config, check, &files.files[i].path, files.files[i].types)).collect();
        let whole_project = !check.pass_files || (check.always_run && matched.is_empty());
        if whole_project && !first_shard {
            continue;
        }
        let matched = if whole_project { matched } else { matched.into_iter().filter(|&i| in_shard[i]).collect() };
        let reads_messages = matches!(&check.kind, CheckKind::Builtin(b) if b.reads_messages());
        let skip = if request.skip.contains(&check.id) {
            Some("skipped by SKIP or --skip".to_string())
        } else if reads_messages && !request.has_messages {
            Some("no commit message to check: give --message FILE (or - for standard input), or --from-ref REF".into())
        } else if matched.is_empty() && !check.always_run {
            // A whole-project check (`pass_files = false`) too runs only when a file it watches was selected.
            Some("no files to check".to_string())
        } else {
            None
        };
        checks.push(PlannedCheck { check: index, files: matched, skip });
    }
    let jobs = jobs(config, files, &checks, request);
    Plan { checks, jobs }
}

/// Which files belong to this shard: all of them without sharding.
fn shard_mask(files: &FileSet, shard: Option<Shard>) -> Vec<bool> {
    let Some(shard) = shard else { return vec![true; files.files.len()] };
    let weights: Vec<(&str, u64)> = files.files.iter().map(|f| (f.path.as_str(), f.size)).collect();
    shard::assign(&weights, shard.count).into_iter().map(|s| s == shard.position()).collect()
}

fn jobs(config: &Config, files: &FileSet, checks: &[PlannedCheck], request: &Request) -> Vec<Job> {
    let mut jobs: Vec<Job> = Vec::new();
    let mut content_group: Option<usize> = None;
    for (planned, pc) in checks.iter().enumerate() {
        if pc.skip.is_some() {
            continue;
        }
        let check = &config.checks[pc.check];
        let writes = request.mode == Mode::Fix && check.is_fixer();
        match &check.kind {
            CheckKind::Builtin(builtin) => match builtin.scope() {
                Scope::Content => {
                    // Built-ins next to each other in config order share one read of each file.
                    let job = match content_group {
                        Some(job) => job,
                        None => {
                            jobs.push(Job {
                                kind: JobKind::Content { planned: Vec::new() },
                                reads: Vec::new(),
                                writes: Vec::new(),
                                deps: Vec::new(),
                            });
                            jobs.len() - 1
                        }
                    };
                    content_group = Some(job);
                    if let JobKind::Content { planned: members } = &mut jobs[job].kind {
                        members.push(planned);
                    }
                    jobs[job].reads.extend(&pc.files);
                    if writes {
                        jobs[job].writes.extend(&pc.files);
                    }
                }
                Scope::Paths => {
                    // It reads no content and writes nothing, so the content built-ins around it
                    // still share one read of each file.
                    jobs.push(Job {
                        kind: JobKind::Paths { planned },
                        reads: Vec::new(),
                        writes: Vec::new(),
                        deps: Vec::new(),
                    });
                }
            },
            CheckKind::External(external) => {
                content_group = None;
                let program = if writes { external.fix.as_ref().unwrap_or(&external.run) } else { &external.run };
                let serial_start = jobs.len();
                if check.pass_files {
                    for batch in batches(files, &pc.files, program, request, check.serial, check.batch_size) {
                        let writes = if writes { batch.clone() } else { Vec::new() };
                        jobs.push(Job {
                            reads: batch.clone(),
                            writes,
                            kind: JobKind::External { planned, files: batch },
                            deps: Vec::new(),
                        });
                    }
                } else {
                    // It reads the whole project: order it after every fixer before it.
                    let all: Vec<usize> = (0..files.files.len()).collect();
                    let writes = if writes { pc.files.clone() } else { Vec::new() };
                    jobs.push(Job {
                        reads: all,
                        writes,
                        kind: JobKind::External { planned, files: Vec::new() },
                        deps: Vec::new(),
                    });
                }
                if check.serial {
                    for (offset, job) in jobs[serial_start + 1..].iter_mut().enumerate() {
                        job.deps.push(serial_start + offset);
                    }
                }
            }
        }
    }
    for job in &mut jobs {
        sort_unique(&mut job.reads, files.files.len());
        sort_unique(&mut job.writes, files.files.len());
    }
    add_dependencies(&mut jobs, files.files.len());
    jobs
}

/// Sorts and dedups file indices below `count`. A content job gathers every one of its checks'
/// files, a dozen times the file count: marking them is linear where sorting was not.
fn sort_unique(files: &mut Vec<usize>, count: usize) {
    if files.len() < 256 {
        files.sort_unstable();
        files.dedup();
        return;
    }
    let mut seen = vec![false; count];
    for &f in files.iter() {
        if let Some(slot) = seen.get_mut(f) {
            *slot = true;
        }
    }
    files.clear();
    files.extend(seen.iter().enumerate().filter(|(_, s)| **s).map(|(f, _)| f));
}

/// Orders conflicting jobs as they appear in config order: a job waits for the last earlier
/// writer of any file it touches, and a writer also waits for the earlier readers since then.
/// Jobs on disjoint files, and readers of the same files, stay free to run side by side.
fn add_dependencies(jobs: &mut [Job], file_count: usize) {
    let mut last_writer: Vec<Option<usize>> = vec![None; file_count];
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); file_count];
    for (j, job) in jobs.iter_mut().enumerate() {
        let mut deps: HashSet<usize> = job.deps.iter().copied().collect();
        let writes: HashSet<usize> = job.writes.iter().copied().collect();
        for &f in &job.reads {
            deps.extend(last_writer[f]);
            if writes.contains(&f) {
                deps.extend(readers[f].drain(..));
            } else {
                readers[f].push(j);
            }
        }
        for &f in &job.writes {
            deps.extend(last_writer[f]);
            deps.extend(readers[f].drain(..));
            last_writer[f] = Some(j);
        }
        deps.remove(&j);
        let mut deps: Vec<usize> = deps.into_iter().collect();
        deps.sort_unstable();
        job.deps = deps;
    }
}

/// Splits a check's files into command lines: at least 4 files a batch and about one batch per
/// job slot (so a big run keeps every core busy), and never over the argument-length limit.
fn batches(
    files: &FileSet,
    selected: &[usize],
    program: &[String],
    request: &Request,
    serial: bool,
    batch_size: Option<usize>,
) -> Vec<Vec<usize>> {
    const POINTER: usize = std::mem::size_of::<usize>();
    let base: usize = program.iter().map(|w| w.len() + 1 + POINTER).sum();
    let budget = request.arg_limit.saturating_sub(base).max(1);
    let per_batch = if serial { selected.len().max(1) } else { selected.len().div_ceil(request.jobs.max(1)).max(4) };
    let per_batch = batch_size.map_or(per_batch, |limit| per_batch.min(limit));
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut used = 0;
    for &f in selected {
        // `./` may be prefixed to names starting with `-`.
        let cost = files.files[f].rel.as_os_str().len() + 3 + POINTER;
        if !current.is_empty() && (current.len() >= per_batch || used + cost > budget) {
            out.push(std::mem::take(&mut current));
            used = 0;
        }
        current.push(f);
        used += cost;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use crate::select::identify::{tags_from_filename, NameFacts};
    use crate::select::FileEntry;

    fn files(names: &[&str]) -> FileSet {
        FileSet {
            extra: 0,
            files: names
                .iter()
                .map(|n| FileEntry {
                    rel: n.into(),
                    path: n.to_string(),
                    types: NameFacts::new(n.as_bytes(), false).finish(b"text"),
                    size: 1,
                    stat: Default::default(),
                })
                .collect(),
        }
    }

    fn request<'a>(skip: &'a HashSet<String>, jobs: usize, arg_limit: usize) -> Request<'a> {
        Request {
            stage: Stage::Manual,
            only: &[],
            skip,
            mode: Mode::Fix,
            jobs,
            arg_limit,
            shard: None,
            has_messages: false,
        }
    }

    fn external_batches(plan: &Plan) -> Vec<Vec<usize>> {
        plan.jobs
            .iter()
            .filter_map(|j| match &j.kind {
                JobKind::External { files, .. } => Some(files.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn links_go_to_external_checks_only_when_their_types_ask() {
        let toml = "[checks.any]\nrun = \"lint\"\n\n[checks.links]\nrun = \"lint\"\ntypes = [\"symlink\"]\n\n\
                    [checks.builtin]\nbuiltin = \"check-symlinks\"\n";
        let config = config::parse(toml, None, None).expect("config");
        let link: TagSet = [Tag::SYMLINK].into_iter().collect();
        let text: TagSet = [Tag::FILE, Tag::TEXT].into_iter().collect();
        let takes =
            |id: &str, types| matches(&config, config.checks.iter().find(|c| c.id == id).expect(id), "l", types);
        assert!(!takes("any", link) && takes("any", text));
        assert!(takes("links", link) && !takes("links", text));
        assert!(takes("builtin", link));
    }

    #[test]
    fn batches_split_by_job_count_with_at_least_four_files() {
        let config = config::parse("[checks.a]\nrun = \"lint\"\n", None, None).expect("config");
        let names: Vec<String> = (0..10).map(|i| format!("f{i}.txt")).collect();
        let set = files(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let skip = HashSet::new();
        let plan = plan(&config, &set, &request(&skip, 2, 1 << 20));
        let batches = external_batches(&plan);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [5, 5]);
        let plan = super::plan(&config, &set, &request(&skip, 8, 1 << 20));
        assert_eq!(external_batches(&plan).iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 2]);
    }

    #[test]
    fn batches_respect_the_argument_limit() {
        let config = config::parse("[checks.a]\nrun = \"lint\"\nserial = true\n", None, None).expect("config");
        let names: Vec<String> = (0..100).map(|i| format!("dir/file-{i:03}.txt")).collect();
        let set = files(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let skip = HashSet::new();
        // Each file costs its 16 bytes + "./" + NUL + a pointer = 27 bytes.
        let plan = plan(&config, &set, &request(&skip, 1, 14 + 27 * 10));
        let batches = external_batches(&plan);
        assert!(batches.iter().all(|b| b.len() <= 10), "{batches:?}");
        let all: Vec<usize> = batches.concat();
        assert_eq!(all, (0..100).collect::<Vec<_>>(), "every file once, in order");
        // Serial batches run one after another.
        let externals: Vec<&Job> = plan.jobs.iter().collect();
        for (i, job) in externals.iter().enumerate().skip(1) {
            assert!(job.deps.contains(&(i - 1)), "batch {i} must wait for {}", i - 1);
        }
    }

    #[test]
    fn readers_run_together_and_writers_wait() {
        let toml = "[checks.fix]\nbuiltin = \"trailing-whitespace\"\n[checks.read1]\nrun = \"a\"\n[checks.read2]\nrun = \"b\"\n[checks.fix2]\nrun = \"c\"\nfix = \"c --fix\"\n";
        let config = config::parse(toml, None, None).expect("config");
        let set = files(&["a.php", "b.php"]);
        let skip = HashSet::new();
        let plan = plan(&config, &set, &request(&skip, 1, 1 << 20));
        // jobs: 0 content fixer, 1 read1, 2 read2, 3 fix2
        assert_eq!(plan.jobs.len(), 4);
        assert!(plan.jobs[0].deps.is_empty());
        assert_eq!(plan.jobs[1].deps, [0]);
        assert_eq!(plan.jobs[2].deps, [0], "two readers do not wait for each other");
        assert_eq!(plan.jobs[3].deps, [0, 1, 2], "a writer waits for earlier writers and readers");
    }

    #[test]
    fn path_built_ins_do_not_split_the_shared_read() {
        let toml = "[checks.ws]\nbuiltin = \"trailing-whitespace\"\n[checks.large]\nbuiltin = \"check-added-large-files\"\n[checks.json]\nbuiltin = \"check-json\"\n";
        let config = config::parse(toml, None, None).expect("config");
        let set = files(&["a.json"]);
        let skip = HashSet::new();
        let plan = plan(&config, &set, &request(&skip, 1, 1 << 20));
        let content: Vec<&Vec<usize>> = plan
            .jobs
            .iter()
            .filter_map(|j| match &j.kind {
                JobKind::Content { planned } => Some(planned),
                _ => None,
            })
            .collect();
        assert_eq!(content, [&vec![0, 2]], "one content job for both content checks");
    }

    #[test]
    fn check_mode_makes_nobody_a_writer() {
        let toml = "[checks.fix]\nbuiltin = \"trailing-whitespace\"\n[checks.read]\nrun = \"a\"\n";
        let config = config::parse(toml, None, None).expect("config");
        let set = files(&["a.php"]);
        let skip = HashSet::new();
        let mut req = request(&skip, 1, 1 << 20);
        req.mode = Mode::Check;
        let plan = plan(&config, &set, &req);
        assert!(plan.jobs.iter().all(|j| j.writes.is_empty() && j.deps.is_empty()));
    }

    #[test]
    fn skips_and_empty_matches() {
        let toml = "[checks.php]\nrun = \"a\"\nfiles = [\"*.php\"]\n[checks.skipme]\nrun = \"b\"\n[checks.always]\nrun = \"c\"\nfiles = [\"*.none\"]\nalways_run = true\n";
        let config = config::parse(toml, None, None).expect("config");
        let set = files(&["a.txt"]);
        let skip: HashSet<String> = ["skipme".to_string()].into();
        let plan = plan(&config, &set, &request(&skip, 1, 1 << 20));
        assert_eq!(plan.checks[0].skip.as_deref(), Some("no files to check"));
        assert_eq!(plan.checks[1].skip.as_deref(), Some("skipped by SKIP or --skip"));
        assert_eq!(plan.checks[2].skip, None);
    }

    #[test]
    fn matching_combines_files_exclude_types_and_global_exclude() {
        let toml = "[settings]\nexclude = [\"vendor/**\"]\n[checks.a]\nrun = \"a\"\nfiles = [\"*.php\", \"*.yaml\"]\nexclude = [\"tests/**\"]\ntypes = [\"php\"]\n";
        let config = config::parse(toml, None, None).expect("config");
        let check = &config.checks[0];
        let php = NameFacts::new(b"a.php", false).finish(b"");
        let yaml = NameFacts::new(b"a.yaml", false).finish(b"");
        assert!(tags_from_filename(b"a.php").contains(Tag::PHP));
        assert!(matches(&config, check, "src/a.php", php));
        assert!(!matches(&config, check, "vendor/x/a.php", php));
        assert!(!matches(&config, check, "tests/a.php", php));
        assert!(!matches(&config, check, "config/a.yaml", yaml), "types must all match");
    }
}
