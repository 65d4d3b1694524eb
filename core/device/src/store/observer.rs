//! Change notifications, so a screen refreshes when sync or another thread
//! changes what it shows. A listener stays registered while its
//! [`Subscription`] lives; dropping the subscription unregisters it.

use std::sync::{Arc, Mutex, Weak};

/// Which documents changed in one committed write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreChange {
    pub inspections: Vec<String>,
    pub hazards: Vec<String>,
}

impl StoreChange {
    pub fn is_empty(&self) -> bool {
        self.inspections.is_empty() && self.hazards.is_empty()
    }
}

pub trait StoreObserver: Send + Sync {
    /// Called after the change is durable, on the thread that made it. Keep
    /// it short: hand the work to the UI thread.
    fn on_change(&self, change: &StoreChange);
}

#[derive(Default)]
struct Registry {
    next_id: u64,
    listeners: Vec<(u64, Arc<dyn StoreObserver>)>,
}

#[derive(Clone, Default)]
pub struct Observers {
    registry: Arc<Mutex<Registry>>,
}

/// Keeps a listener registered; drop it to stop notifications.
pub struct Subscription {
    id: u64,
    registry: Weak<Mutex<Registry>>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some(r) = self.registry.upgrade() {
            r.lock().unwrap_or_else(|p| p.into_inner()).listeners.retain(|(id, _)| *id != self.id);
        }
    }
}

impl Observers {
    pub fn subscribe(&self, listener: Arc<dyn StoreObserver>) -> Subscription {
        let mut r = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        r.next_id += 1;
        let id = r.next_id;
        r.listeners.push((id, listener));
        Subscription { id, registry: Arc::downgrade(&self.registry) }
    }

    pub fn notify(&self, change: &StoreChange) {
        if change.is_empty() {
            return;
        }
        // Copy out so a listener may subscribe or unsubscribe while notified.
        let listeners: Vec<_> = self.registry.lock().unwrap_or_else(|p| p.into_inner()).listeners.iter().map(|(_, l)| l.clone()).collect();
        for l in listeners {
            l.on_change(change);
        }
    }
}
