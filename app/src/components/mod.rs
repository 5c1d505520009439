//! Screens and their pieces, one component per file, named after what it shows.
//! Components read `Ui` signals and call `Actions`; they never touch the network or storage.

mod hardware_panel;
mod identity_card;
mod karma_table;
mod peer_list;
mod status_bar;
mod task_board;
mod task_card;
mod task_form;

pub use hardware_panel::HardwarePanel;
pub use identity_card::IdentityCard;
pub use karma_table::KarmaTable;
pub use peer_list::PeerList;
pub use status_bar::StatusBar;
pub use task_board::TaskBoard;
