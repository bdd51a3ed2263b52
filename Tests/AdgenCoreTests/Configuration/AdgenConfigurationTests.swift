import AdgenTesting
import Testing

@testable import AdgenCore

@Suite("adgen.yaml: provider defaults and the store's path")
struct AdgenConfigurationTests {
    static func load(_ text: String) throws -> AdgenConfiguration {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        return try AdgenConfiguration.load(path: try folder.write("adgen.yaml", text))
    }

    @Test("A campaign's own generation keys win; what it leaves unset comes from the provider's defaults")
    func defaults() throws {
        let configuration = try Self.load(
            """
            store: /var/lib/adgen/adgen.sqlite
            providers:
              openai: { model: gpt-image-1, concurrency: 8, requests_per_minute: 50, max_attempts: 4, parameters: { quality: low } }
            """)
        #expect(configuration.store == "/var/lib/adgen/adgen.sqlite")
        let campaign = try CampaignFixture.load(
            """
            campaign: c
            brand: { name: Acme }
            brief: { product: shoe }
            prompt: a shoe
            sizes: [meta-feed]
            generation: { provider: openai, concurrency: 2, parameters: { quality: high } }
            """)
        let settings = campaign.generation.withDefaults(configuration.providers["openai"])
        #expect(settings.concurrency == 2, "the campaign's own value")
        #expect(settings.model == "gpt-image-1" && settings.requestsPerMinute == 50 && settings.maxAttempts == 4)
        #expect(settings.parameters == ["quality": "high"])
    }

    @Test("Credentials, unknown providers and misspelt keys are errors at their line and column")
    func errors() throws {
        do {
            _ = try Self.load(
                """
                providers:
                  openai: { api_key: sk-123, concurency: 3 }
                  openia: { concurrency: 2 }
                """)
            Issue.record("the configuration should not load")
        } catch let error as CampaignError {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.contains { $0.contains(":2:13:") && $0.contains("credentials are not read") })
            #expect(messages.contains { $0.contains(":2:30:") && $0.contains("did you mean 'concurrency'") })
            #expect(messages.contains { $0.contains(":3:3:") && $0.contains("unknown provider 'openia'") })
            #expect(!messages.joined().contains("sk-123"), "a secret is never echoed")
        }
    }

    @Test("webhooks: sets the retry schedule, the maximum age and the wait; a bad value is an error at its place")
    func webhooks() throws {
        let settings = try Self.load(
            """
            webhooks: { retry_schedule_s: [0, 0.5, 30], max_age_s: 3600, wait_s: 5, allow_private: true }
            """
        ).webhooks
        #expect(settings.retrySchedule == [0, 0.5, 30])
        #expect(settings.maxAgeSeconds == 3600 && settings.waitSeconds == 5)
        #expect(settings.allowPrivate && !settings.allowInsecure)
        do {
            _ = try Self.load(
                """
                webhooks:
                  retry_schedule_s: []
                  max_age_s: -1
                  wait: 3
                """)
            Issue.record("the configuration should not load")
        } catch let error as CampaignError {
            let messages = error.diagnostics.map(\.description)
            #expect(messages.contains { $0.contains(":2:") && $0.contains("at least one delay") })
            #expect(messages.contains { $0.contains(":3:") && $0.contains("max_age_s") })
            #expect(messages.contains { $0.contains(":4:") && $0.contains("wait_s") }, "\(messages)")
        }
    }
}
