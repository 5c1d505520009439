//! Command-line flags of `amorph-relay` and how they map to a bind address, a data directory,
//! directory limits and the welcome-grant policy.

use std::path::PathBuf;
use std::time::Duration;

use amorph_core::events::MAX_AMOUNT;
use amorph_core::signal::DirectoryLimits;
use clap::Parser;

use crate::grants::GrantPolicy;

/// Serves the built Amorph app and introduces peers to each other over `/signal`.
#[derive(Debug, Parser)]
#[command(name = "amorph-relay", version, about)]
pub struct Cli {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", conflicts_with = "lan")]
    pub host: String,
    /// Port to listen on; 0 picks a free one (the chosen port is printed on stdout).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Listen on every interface (0.0.0.0) so phones and laptops on this network can join.
    #[arg(long)]
    pub lan: bool,
    /// Directory of the built app (trunk's output); index.html answers every unknown path.
    #[arg(long, default_value = "dist")]
    pub app_dir: PathBuf,
    /// Where the relay keeps its identity and its swarm's genesis
    /// [default: $XDG_DATA_HOME/amorph-relay, else ~/.local/share/amorph-relay].
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Name of the swarm this relay founds on its first start (ignored once it has a genesis).
    #[arg(long, default_value = "Amorph")]
    pub swarm_name: String,
    /// Largest signaling frame accepted, in bytes (at least 256: a join frame is about 230).
    #[arg(long, default_value_t = DirectoryLimits::default().max_frame_bytes, value_parser = frame_bytes)]
    pub max_frame_bytes: usize,
    /// Open WebSocket connections allowed from one IP address.
    #[arg(long, default_value_t = DirectoryLimits::default().max_connections_per_ip, value_parser = at_least_one)]
    pub max_connections_per_ip: usize,
    /// Frames per second each connection may send on average.
    #[arg(long, default_value_t = DirectoryLimits::default().frames_per_second, value_parser = clap::value_parser!(u32).range(1..))]
    pub frames_per_second: u32,
    /// Frames a connection may send in one burst.
    #[arg(long, default_value_t = DirectoryLimits::default().frame_burst, value_parser = clap::value_parser!(u32).range(1..))]
    pub frame_burst: u32,
    /// Peers that may be joined at once.
    #[arg(long, default_value_t = DirectoryLimits::default().max_peers, value_parser = at_least_one)]
    pub max_peers: usize,
    /// Other peers listed to a newcomer in its welcome.
    #[arg(long, default_value_t = DirectoryLimits::default().welcome_peers)]
    pub welcome_peers: usize,
    /// Credits the relay (the swarm's issuer) grants once to each new identity that joins, so a
    /// newcomer can post a paid task or stake a claim; 0 grants nothing. Anyone can make new
    /// identities: --grants-per-ip-per-day bounds what one address collects.
    #[arg(long, value_name = "AMOUNT", default_value_t = 0, value_parser = clap::value_parser!(u64).range(..=MAX_AMOUNT))]
    pub grant_newcomers: u64,
    /// New identities one IP address (for IPv6, one /64) may get welcome grants for per UTC day;
    /// later newcomers from it that day get none (restarting the relay resets the counts).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub grants_per_ip_per_day: u32,
    /// Seconds between compactions of the archive: the relay (the swarm's issuer) replaces history
    /// settled for longer than the dispute window with a checkpoint it signs, kept in
    /// checkpoint.bin beside events.bin, so the archive stays bounded by the live history;
    /// 0 never compacts.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    pub compact_every: u64,
}

impl Cli {
    pub fn bind_host(&self) -> &str {
        if self.lan {
            "0.0.0.0"
        } else {
            &self.host
        }
    }

    /// `--data-dir`, else the XDG data directory; `None` when there is no home to put it in.
    pub fn data_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Some(dir.clone());
        }
        // Relative values are ignored, as the XDG spec says.
        let absolute = |name| std::env::var_os(name).map(PathBuf::from).filter(|p| p.is_absolute());
        let base = absolute("XDG_DATA_HOME").or_else(|| absolute("HOME").map(|home| home.join(".local/share")))?;
        Some(base.join("amorph-relay"))
    }

    pub fn limits(&self) -> DirectoryLimits {
        DirectoryLimits {
            max_frame_bytes: self.max_frame_bytes,
            max_connections_per_ip: self.max_connections_per_ip,
            frames_per_second: self.frames_per_second,
            frame_burst: self.frame_burst,
            max_peers: self.max_peers,
            welcome_peers: self.welcome_peers,
        }
    }

    /// The compaction period; `None` when `--compact-every` is 0.
    pub fn compact_every(&self) -> Option<Duration> {
        (self.compact_every > 0).then(|| Duration::from_secs(self.compact_every))
    }

    /// The welcome-grant policy; `None` when `--grant-newcomers` is 0.
    pub fn grants(&self) -> Option<GrantPolicy> {
        (self.grant_newcomers > 0)
            .then_some(GrantPolicy { amount: self.grant_newcomers, per_ip_per_day: self.grants_per_ip_per_day })
    }
}

fn at_least(minimum: usize, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n < minimum => Err(format!("must be at least {minimum}")),
        Ok(n) => Ok(n),
        Err(error) => Err(format!("not a whole number: {error}")),
    }
}

fn at_least_one(value: &str) -> Result<usize, String> {
    at_least(1, value)
}

fn frame_bytes(value: &str) -> Result<usize, String> {
    at_least(256, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_directory_defaults() {
        let cli = Cli::parse_from(["amorph-relay"]);
        assert_eq!(cli.limits(), DirectoryLimits::default());
        assert_eq!((cli.bind_host(), cli.port), ("127.0.0.1", 8080));
        assert_eq!(cli.swarm_name, "Amorph");
        assert_eq!((cli.grants(), cli.grants_per_ip_per_day), (None, 5), "no grants unless asked");
        assert_eq!(cli.compact_every(), Some(Duration::from_secs(3600)), "compacts hourly");
        assert_eq!(Cli::parse_from(["amorph-relay", "--compact-every", "0"]).compact_every(), None);
        let chosen = Cli::parse_from(["amorph-relay", "--data-dir", "/srv/relay"]);
        assert_eq!(chosen.data_dir(), Some(PathBuf::from("/srv/relay")));
    }

    #[test]
    fn lan_binds_every_interface_and_excludes_host() {
        assert_eq!(Cli::parse_from(["amorph-relay", "--lan"]).bind_host(), "0.0.0.0");
        assert!(Cli::try_parse_from(["amorph-relay", "--lan", "--host", "::1"]).is_err());
        assert!(Cli::try_parse_from(["amorph-relay", "--max-peers", "0"]).is_err());
        assert!(Cli::try_parse_from(["amorph-relay", "--max-frame-bytes", "10"]).is_err());
    }

    #[test]
    fn grants_are_bounded_by_the_largest_amount_and_one_a_day_at_least() {
        let cli = Cli::parse_from(["amorph-relay", "--grant-newcomers", "100", "--grants-per-ip-per-day", "2"]);
        assert_eq!(cli.grants(), Some(GrantPolicy { amount: 100, per_ip_per_day: 2 }));
        let largest = MAX_AMOUNT.to_string();
        assert!(Cli::try_parse_from(["amorph-relay", "--grant-newcomers", &largest]).is_ok());
        let too_much = (MAX_AMOUNT + 1).to_string();
        assert!(Cli::try_parse_from(["amorph-relay", "--grant-newcomers", &too_much]).is_err());
        assert!(Cli::try_parse_from(["amorph-relay", "--grant-newcomers", "-1"]).is_err());
        assert!(Cli::try_parse_from(["amorph-relay", "--grants-per-ip-per-day", "0"]).is_err());
    }
}
