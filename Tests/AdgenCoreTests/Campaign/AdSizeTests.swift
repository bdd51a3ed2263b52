import AdgenCore
import Testing

@Suite struct AdSizeTests {
    @Test func presetsCarryTheDesignTable() throws {
        let story = try AdSize.resolve("meta-story").get()
        #expect((story.width, story.height) == (1080, 1920))
        #expect(story.safeZone == SafeZone(top: 250, bottom: 340))
        #expect(try AdSize.resolve("iab-mobile-banner").get().maxBytes == 50_000)
        #expect(try AdSize.resolve("tiktok-feed").get().maxBytes == 500_000)
        #expect(AdSize.presets.count == 15)
        #expect(Set(AdSize.presets.map(\.id)).count == 15)
    }

    @Test func customSizesAreAccepted() throws {
        let custom = try AdSize.resolve("1200x628").get()
        #expect((custom.width, custom.height, custom.platform) == (1200, 628, "custom"))
        #expect(try AdSize.resolve("300×250").get().id == "300x250")
    }

    @Test func badSizesSaySo() {
        #expect(AdSize.resolve("0x100") == .failure(.outOfRange("0x100")))
        #expect(AdSize.resolve("meta-fed") == .failure(.unknown("meta-fed", suggestion: "meta-feed")))
    }
}
