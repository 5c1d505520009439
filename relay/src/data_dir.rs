//! The relay's data directory: its identity seed (`identity.seed`) and the genesis of the swarm it
//! founded (`genesis.bin`, the encoded envelope).
//!
//! Owns these two files (its atomic writer also saves `events.bin`, which `archive` owns). The
//! first start with an empty directory founds the swarm and writes both, each atomically
//! (temporary file, then rename); later starts load them. Never overwrites an
//! existing file, never logs or prints the seed: a file that cannot be read is an error naming it.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use amorph_core::events::{Event, EventError, Genesis, SignedEvent};
use amorph_core::identity::Identity;
use amorph_core::wire::EventId;

pub const SEED_FILE: &str = "identity.seed";
pub const GENESIS_FILE: &str = "genesis.bin";
const SEED_BYTES: usize = 32;
/// Yjs client ids are 53-bit so that JavaScript peers can hold them.
const REPLICA_MASK: u64 = (1 << 53) - 1;

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("cannot create the data directory {path}: {source} (pick a writable one with --data-dir)")]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("cannot read {path}: {source} (check its permissions; it is never replaced)")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source} (is the data directory writable and the disk not full?)")]
    Write { path: PathBuf, source: io::Error },
    #[error(
        "{path} is corrupt or from an older Amorph: {why}. Restore it from a backup, or move the data \
         directory away to found a new swarm; the relay never replaces it"
    )]
    Corrupt { path: PathBuf, why: String },
    #[error(
        "{genesis} exists but {seed} does not: restore the relay's identity from a backup \
         (a new identity cannot take over an existing swarm)"
    )]
    MissingSeed { genesis: PathBuf, seed: PathBuf },
    #[error("the operating system gave no random bytes for a new identity: {0}")]
    Entropy(getrandom::Error),
    #[error("cannot found a swarm named {name:?}: {source}")]
    Founding { name: String, source: EventError },
}

/// The genesis of the relay's swarm, as stored in the data directory (signed by `identity.seed`).
pub struct Founder {
    /// The relay's identity (from `identity.seed`): the genesis author, issuer and treasury.
    pub identity: Identity,
    pub genesis: SignedEvent,
    /// The encoded envelope, exactly as `genesis.bin` holds it and `/genesis` serves it.
    pub genesis_bytes: Vec<u8>,
    /// Whether this start wrote the genesis (otherwise it was loaded).
    pub founded_now: bool,
}

impl Founder {
    /// The swarm's name from its genesis.
    pub fn swarm_name(&self) -> &str {
        match &self.genesis.event {
            Event::Genesis(genesis) => &genesis.name,
            _ => "",
        }
    }

    /// Whether the genesis lists the relay among its issuers (only issuers' grants create credits).
    pub fn is_issuer(&self) -> bool {
        match &self.genesis.event {
            Event::Genesis(genesis) => genesis.issuers.contains(&self.identity.peer_id()),
            _ => false,
        }
    }
}

/// Loads the founder from `dir`, or founds a swarm named `swarm_name` there when `dir` holds no
/// genesis yet (reusing `identity.seed` if only that exists).
pub fn open_or_found(dir: &Path, swarm_name: &str, now_ms: u64) -> Result<Founder, DataDirError> {
    create_private_dir(dir)?;
    let (seed_path, genesis_path) = (dir.join(SEED_FILE), dir.join(GENESIS_FILE));
    let seed = read_if_present(&seed_path)?;
    let stored_genesis = read_if_present(&genesis_path)?;
    let (identity, seed_is_new) = match seed {
        Some(bytes) => {
            let seed = <[u8; SEED_BYTES]>::try_from(bytes.as_slice()).map_err(|_| DataDirError::Corrupt {
                path: seed_path.clone(),
                why: format!("{} bytes instead of {SEED_BYTES}", bytes.len()),
            })?;
            (Identity::from_seed(seed), false)
        }
        None if stored_genesis.is_some() => {
            return Err(DataDirError::MissingSeed { genesis: genesis_path, seed: seed_path });
        }
        None => (Identity::from_seed(random()?), true),
    };
    if let Some(bytes) = stored_genesis {
        let genesis = check_genesis(&bytes, &identity, now_ms)
            .map_err(|why| DataDirError::Corrupt { path: genesis_path, why })?;
        return Ok(Founder { identity, genesis, genesis_bytes: bytes, founded_now: false });
    }
    let replica = u64::from_le_bytes(random()?) & REPLICA_MASK;
    let body = Event::Genesis(Genesis::with_defaults(swarm_name, identity.peer_id()));
    let genesis = SignedEvent::create(&identity, EventId::NONE, replica, now_ms, body)
        .map_err(|source| DataDirError::Founding { name: swarm_name.to_string(), source })?;
    // The seed first: a genesis on disk always has its founder's key beside it.
    if seed_is_new {
        write_atomically(&seed_path, &identity.seed())?;
    }
    let genesis_bytes = genesis.encode();
    write_atomically(&genesis_path, &genesis_bytes)?;
    Ok(Founder { identity, genesis, genesis_bytes, founded_now: true })
}

/// A stored genesis must admit as a genesis founded by this relay's identity.
fn check_genesis(bytes: &[u8], identity: &Identity, now_ms: u64) -> Result<SignedEvent, String> {
    let genesis = SignedEvent::admit(bytes, now_ms).map_err(|e| format!("not a valid event ({e})"))?;
    if !matches!(genesis.event, Event::Genesis(_)) || genesis.envelope.swarm != EventId::NONE {
        return Err(format!("it holds a {} event, not a genesis", genesis.event.kind_name()));
    }
    if genesis.author() != identity.peer_id() {
        return Err(format!("it was founded by {}, not by this relay's {SEED_FILE}", genesis.author().short()));
    }
    Ok(genesis)
}

fn random<const N: usize>() -> Result<[u8; N], DataDirError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(DataDirError::Entropy)?;
    Ok(bytes)
}

fn create_private_dir(dir: &Path) -> Result<(), DataDirError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| DataDirError::CreateDir { path: dir.to_path_buf(), source })
}

pub(crate) fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>, DataDirError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(DataDirError::Read { path: path.to_path_buf(), source }),
    }
}

/// Writes `bytes` to a private temporary file beside `path`, syncs it, then renames it into place,
/// so `path` holds either its old content or all of `bytes`, never a part.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), DataDirError> {
    let error = |source| DataDirError::Write { path: path.to_path_buf(), source };
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".tmp-{}", std::process::id()));
    let temp = PathBuf::from(temp);
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(source) = written.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(error(source));
    }
    // Make the rename itself durable.
    if let Some(parent) = path.parent() {
        fs::File::open(parent).and_then(|dir| dir.sync_all()).map_err(error)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_750_000_000_000;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("amorph-data-dir-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn founds_once_then_loads_the_same_swarm() {
        let dir = temp_dir("found");
        let first = open_or_found(&dir, "Test swarm", NOW).unwrap();
        assert!(first.founded_now);
        assert_eq!(first.swarm_name(), "Test swarm");
        assert!(first.is_issuer(), "the founder issues the swarm's credits");
        let again = open_or_found(&dir, "Another name", NOW + 1).unwrap();
        assert!(!again.founded_now);
        assert_eq!((again.genesis.id, again.swarm_name()), (first.genesis.id, "Test swarm"));
        assert_eq!(again.genesis_bytes, first.genesis_bytes);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.join(SEED_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn damaged_files_are_errors_and_stay_as_they_are() {
        let dir = temp_dir("damaged");
        open_or_found(&dir, "S", NOW).unwrap();
        fs::write(dir.join(GENESIS_FILE), b"garbage").unwrap();
        let corrupt = |file: &str| matches!(open_or_found(&dir, "S", NOW), Err(DataDirError::Corrupt { path, .. }) if path.ends_with(file));
        assert!(corrupt(GENESIS_FILE));
        assert_eq!(fs::read(dir.join(GENESIS_FILE)).unwrap(), b"garbage");
        fs::write(dir.join(SEED_FILE), [1; 31]).unwrap();
        assert!(corrupt(SEED_FILE));
        fs::remove_file(dir.join(SEED_FILE)).unwrap();
        assert!(matches!(open_or_found(&dir, "S", NOW), Err(DataDirError::MissingSeed { .. })));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_genesis_of_another_founder_is_refused() {
        let (mine, theirs) = (temp_dir("mine"), temp_dir("theirs"));
        open_or_found(&mine, "S", NOW).unwrap();
        open_or_found(&theirs, "S", NOW).unwrap();
        fs::copy(theirs.join(GENESIS_FILE), mine.join(GENESIS_FILE)).unwrap();
        let error = open_or_found(&mine, "S", NOW).err().unwrap().to_string();
        assert!(error.contains("founded by"), "{error}");
        for dir in [mine, theirs] {
            fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn an_invalid_swarm_name_is_a_clear_error() {
        let dir = temp_dir("name");
        assert!(matches!(open_or_found(&dir, "", NOW), Err(DataDirError::Founding { .. })));
        assert!(!dir.join(GENESIS_FILE).exists() && !dir.join(SEED_FILE).exists());
        fs::remove_dir_all(&dir).unwrap();
    }
}
