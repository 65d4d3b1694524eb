//! Change notifications for screens: the app registers a [`StoreListener`]
//! and keeps the returned [`ObserverHandle`]; when the handle is released
//! (dropped in Swift and Python, `close()`d in Kotlin) or
//! [`ObserverHandle::unsubscribe`] is called, notifications stop.
//!
//! The handle owns the core's `Subscription`, so the registration lives
//! exactly as long as the foreign object does.

use crate::errors::panic_message;
use crate::logging;
use crate::records::lists::StoreChange;
use redline_device::store::{self, StoreObserver, Subscription};
use std::sync::{Arc, Mutex};

/// Told about every committed change (by this app, or later by sync).
#[uniffi::export(foreign)]
pub trait StoreListener: Send + Sync {
    /// Called after the change is durable, on the thread that made it
    /// (possibly a background thread). Keep it short: post to the UI
    /// thread and return. It may call the store.
    fn on_change(&self, change: StoreChange);
}

/// Keeps a listener registered. Release it, or call `unsubscribe`, to
/// stop notifications.
#[derive(uniffi::Object)]
pub struct ObserverHandle {
    subscription: Mutex<Option<Subscription>>,
}

impl ObserverHandle {
    pub(crate) fn new(subscription: Subscription) -> ObserverHandle {
        ObserverHandle { subscription: Mutex::new(Some(subscription)) }
    }
}

#[uniffi::export]
impl ObserverHandle {
    /// Stops notifications now, without waiting for the handle to be
    /// released (garbage-collected languages release late). Calling it
    /// again does nothing.
    pub fn unsubscribe(&self) {
        let subscription = self.subscription.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(subscription);
    }

    /// Whether the listener is still registered.
    pub fn is_active(&self) -> bool {
        self.subscription.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }
}

/// Adapts a foreign listener to the core's observer trait.
pub(crate) struct ListenerBridge {
    pub(crate) listener: Arc<dyn StoreListener>,
}

impl StoreObserver for ListenerBridge {
    fn on_change(&self, change: &store::StoreChange) {
        // The change is already committed when listeners run. A listener
        // that throws must not turn that durable write into a failed call,
        // nor keep the other listeners from hearing about it.
        let notified = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.listener.on_change(StoreChange::from(change))));
        if let Err(payload) = notified {
            logging::emit(log::Level::Error, "on_change", &format!("a store listener failed: {}", panic_message(payload.as_ref())));
        }
    }
}
