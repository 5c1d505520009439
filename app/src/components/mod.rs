//! Screens and their pieces, one component per file, named after what it shows.
//! Components read `Ui` signals and call `Actions`; they never touch the network or storage.

mod api_keys;
mod did;
mod field;
mod hardware_panel;
mod identity_backup;
mod identity_card;
mod invite_panel;
mod jury_panel;
mod karma_panel;
mod mesh_view;
mod model_panel;
mod peer_list;
mod planner;
mod run_answer;
mod run_step;
mod settings_panel;
mod status_bar;
mod task_board;
mod task_card;
mod task_detail;
mod task_form;
mod vault_lock;
mod wallet_card;

pub use did::Did;
pub use hardware_panel::HardwarePanel;
pub use identity_card::IdentityCard;
pub use invite_panel::InvitePanel;
pub use jury_panel::JuryPanel;
pub use karma_panel::KarmaPanel;
pub use mesh_view::MeshPanel;
pub use model_panel::ModelPanel;
pub use peer_list::PeerList;
pub use planner::Planner;
pub use settings_panel::SettingsPanel;
pub use status_bar::StatusBar;
pub use task_board::TaskBoard;
pub use wallet_card::WalletCard;
