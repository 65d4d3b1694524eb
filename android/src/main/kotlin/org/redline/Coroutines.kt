// Coroutine helpers over the generated Redline API: blocking store calls on
// the IO dispatcher, and store changes as a Flow. Most generated calls are
// synchronous (each is a durable SQLite write or an index read); screens
// written with coroutines suspend instead of blocking the main thread.
// Sync (`SyncSession.sync`, `fetchPhoto`) and photo capture (`capturePhoto`,
// `captureEvidence`) are generated as `suspend` functions already: they run
// on Redline's own threads, and cancelling the calling coroutine cancels a
// sync (the future is dropped, which cancels its token).
//
// Compiled and tested on the JVM by scripts/test-bindings.sh together with the
// generated sources (bindings/tests/kotlin/FlowTest.kt), the same way the AAR
// compiles them.

package org.redline

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.buffer
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.withContext

/**
 * Runs blocking store calls on [Dispatchers.IO] and returns their result:
 * `val rows = store.io { inspections(InspectionQuery(status = InspectionStatus.DRAFT)) }`.
 * A [RedlineException] thrown by the calls is rethrown to the caller.
 */
suspend fun <T> RedlineStore.io(block: RedlineStore.() -> T): T =
    withContext(Dispatchers.IO) { block() }

/**
 * Every committed change as a cold [Flow]: collecting it registers a
 * listener, cancelling the collector unregisters it (the [ObserverHandle] is
 * closed, not left to the garbage collector). If the collector falls behind,
 * the oldest undelivered changes are dropped: a screen only needs to know it
 * must reload.
 *
 * ```
 * lifecycleScope.launch {
 *     store.changes().filter { id in it.inspections }.collect { reload() }
 * }
 * ```
 */
fun RedlineStore.changes(capacity: Int = 64): Flow<StoreChange> =
    callbackFlow {
        val handle = subscribe(object : StoreListener {
            override fun onChange(change: StoreChange) {
                trySend(change)
            }
        })
        awaitClose { handle.close() }
    }.buffer(capacity, BufferOverflow.DROP_OLDEST)
