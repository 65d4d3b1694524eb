//! Who uses Redline, as the core sees them: a user with a role, working on a
//! device. The role decides what the core (and the server, with the same
//! rules) lets them do.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Department or district staff on patrol or enforcement.
    Inspector,
    /// Community safety assistant helping small enterprises self-inspect.
    CommunityAssistant,
    /// Safety committee office: merged picture, listing and delisting.
    Supervisor,
    Admin,
}

crate::codes!(Role, "role", {
    Inspector => "inspector",
    CommunityAssistant => "community_assistant",
    Supervisor => "supervisor",
    Admin => "admin",
});

impl Role {
    /// Inspectors and above may order fixes, re-check and grade.
    pub fn is_official(self) -> bool {
        !matches!(self, Role::CommunityAssistant)
    }

    /// Supervisors and admins may list and delist major hazards.
    pub fn is_supervisor(self) -> bool {
        matches!(self, Role::Supervisor | Role::Admin)
    }
}

/// A person as recorded on what they did: stable id plus the name shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub user_id: String,
    pub name: String,
}

/// The user working on this device: everything an edit is stamped with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub user_id: String,
    pub name: String,
    pub role: Role,
    /// Unique per installation (a reinstall registers a new device): the
    /// automerge actor of every edit is derived from it and the user id, and
    /// an actor must never restart its sequence numbers.
    pub device_id: String,
}

impl Identity {
    pub fn person(&self) -> Person {
        Person { user_id: self.user_id.clone(), name: self.name.clone() }
    }

    /// The automerge actor of this user on this device.
    pub fn actor(&self) -> automerge::ActorId {
        actor_for(&self.device_id, &self.user_id)
    }
}

/// The actor for a (device, user) pair: the server derives the same value
/// from the token a change arrives with, which binds every change to the
/// device and user that made it. A shared phone gives each user their own
/// actor, so attribution stays right.
pub fn actor_for(device_id: &str, user_id: &str) -> automerge::ActorId {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(device_id.as_bytes());
    h.update([0u8]);
    h.update(user_id.as_bytes());
    automerge::ActorId::from(&h.finalize()[..16])
}
