import Foundation
import NIOPosix

/// The threads batch runs execute on, apart from Swift's cooperative pool where the HTTP handlers run. A batch's
/// pipeline calls libvips synchronously (seconds of CPU per creative); on the cooperative pool — one thread per core —
/// it would leave no thread for requests, and a GET would wait for a creative to finish. On threads of their own, the
/// kernel shares the cores between the two.
final class WorkerThreads: TaskExecutor, Sendable {
    let pool: NIOThreadPool

    init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
