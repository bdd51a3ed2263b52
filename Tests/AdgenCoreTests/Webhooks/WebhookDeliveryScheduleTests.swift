import Foundation
import Testing

@testable import AdgenCore

@Suite struct WebhookDeliveryScheduleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theDefaultIsTheStandardWebhooksScheduleOverADay() {
        let schedule = DeliverySchedule()
        #expect(
            schedule.delays == [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000].map { Duration.seconds($0) })
        #expect(schedule.maxAge == .seconds(86_400))
        #expect(schedule.jitter == 0.2)
    }

    @Test(arguments: [(1, 5.0), (2, 300), (3, 1800), (4, 7200), (5, 18_000)])
    func withoutJitterEachRetryWaitsItsDelay(attempts: Int, seconds: Double) {
        let now = start.addingTimeInterval(10)
        let next = DeliverySchedule().nextAttempt(
            afterAttempts: attempts, firstAttempt: start, now: now, retryAfter: nil, random: 0.5)
        #expect(next == now.addingTimeInterval(seconds))
    }

    @Test func jitterSpreadsTheDelayByTwentyPercentEitherWay() {
        let schedule = DeliverySchedule()
        let earliest = schedule.nextAttempt(
            afterAttempts: 2, firstAttempt: start, now: start, retryAfter: nil, random: 0)
        let latest = schedule.nextAttempt(
            afterAttempts: 2, firstAttempt: start, now: start, retryAfter: nil, random: 0.999_999)
        #expect(earliest == start.addingTimeInterval(240))
        #expect(abs(latest!.timeIntervalSince(start) - 360) < 0.01)
    }

    @Test func retryAfterIsALowerBoundOnly() {
        let schedule = DeliverySchedule()
        let longer = schedule.nextAttempt(
            afterAttempts: 1, firstAttempt: start, now: start, retryAfter: .seconds(60), random: 0.5)
        #expect(longer == start.addingTimeInterval(60))
        let shorter = schedule.nextAttempt(
            afterAttempts: 3, firstAttempt: start, now: start, retryAfter: .seconds(60), random: 0.5)
        #expect(shorter == start.addingTimeInterval(1800))
    }

    @Test func theLastRetryIsPulledInToTheMaxAgeThenTheMessageIsGivenUp() {
        let schedule = DeliverySchedule()
        // The seventh attempt failed 17 h 35 min in: 10 h more would pass the day, so it goes at 24 h.
        let seventh = start.addingTimeInterval(63_305)
        let last = schedule.nextAttempt(
            afterAttempts: 7, firstAttempt: start, now: seventh, retryAfter: nil, random: 0.5)
        #expect(last == start.addingTimeInterval(86_400))
        let after = schedule.nextAttempt(
            afterAttempts: 8, firstAttempt: start, now: start.addingTimeInterval(86_400), retryAfter: nil, random: 0.5)
        #expect(after == nil, "every delay is used")
        let late = DeliverySchedule(maxAge: .seconds(3600)).nextAttempt(
            afterAttempts: 2, firstAttempt: start, now: start.addingTimeInterval(3600), retryAfter: nil, random: 0.5)
        #expect(late == nil, "past the max age")
    }

    @Test func aRetryAfterBeyondTheMaxAgeGivesUp() {
        let next = DeliverySchedule().nextAttempt(
            afterAttempts: 1, firstAttempt: start, now: start, retryAfter: .seconds(90_000), random: 0.5)
        #expect(next == nil)
    }

    @Test func noAttemptIsEverStartedPastTheMaxAge() {
        let schedule = DeliverySchedule()
        for random in stride(from: 0.0, to: 1.0, by: 0.1) {
            var now = start
            var attempts = 1
            while let next = schedule.nextAttempt(
                afterAttempts: attempts, firstAttempt: start, now: now, retryAfter: nil, random: random)
            {
                #expect(next > now)
                #expect(next <= start.addingTimeInterval(86_400))
                now = next
                attempts += 1
            }
            #expect(attempts == 8, "all eight attempts are made within the day")
        }
    }
}
