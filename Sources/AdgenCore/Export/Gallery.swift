import Foundation

/// `index.html` and its data pages `gallery/page-0001.js` …: a gallery of the delivered creatives that opens from
/// disk (`file://`) with nothing else — no network, no external file but its own pages and the creatives, shown by
/// their relative paths.
///
/// `index.html` holds only what the filters need, whatever the size of the batch: the campaign's sizes and axes,
/// the tags that occur, the count and the number of pages (as JSON in a `<script type="application/json">`). The
/// creatives come in pages of `pageSize`, each a script that hands its creatives to `adgenGallery.page(n, [...])`
/// (browsers refuse `fetch()` of a local file, but load a local `<script src>`): the page shows the first page at
/// once and loads the next after each, so every filter and the sort apply to all creatives once the last page is
/// in; the grid grows as it is scrolled. Every text is JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped as
/// `\uXXXX`, so no campaign text can close a script; the page's script builds the grid with `textContent` only.
/// Filters: size, each axis, tag, minimum score; sort by score or id; a creative's checks and reasons show on hover
/// (as a tooltip) and on click (in a panel).
struct Gallery: Sendable {
    /// Creatives per data page.
    var pageSize = 200

    /// The page numbers for `count` creatives: `1...n`, none for no creative.
    func pages(_ count: Int) -> Range<Int> {
        let size = max(1, pageSize)
        return 1..<((count + size - 1) / size + 1)
    }

    /// The creatives of page `number`.
    func creatives(onPage number: Int, of all: [Manifest.CreativeEntry]) -> ArraySlice<Manifest.CreativeEntry> {
        let size = max(1, pageSize)
        let start = min(all.count, (number - 1) * size)
        return all[start..<min(all.count, start + size)]
    }

    /// Page `number`'s file, relative to the export folder: `gallery/page-0001.js`.
    static func pageFile(_ number: Int) -> String {
        let digits = String(number)
        return "gallery/page-\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits).js"
    }

    /// What the gallery shows of a creative: the manifest entry's fields the page reads, under the same names.
    struct Card: Encodable {
        var entry: Manifest.CreativeEntry

        enum CodingKeys: String, CodingKey {
            case id, file, width, height, bytes, format, prompt, axes, score, scores, tags
            case sizeID = "size_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(entry.id, forKey: .id)
            try container.encode(entry.file, forKey: .file)
            try container.encode(entry.sizeID, forKey: .sizeID)
            try container.encode(entry.width, forKey: .width)
            try container.encode(entry.height, forKey: .height)
            try container.encode(entry.bytes, forKey: .bytes)
            try container.encode(entry.format, forKey: .format)
            try container.encode(entry.prompt, forKey: .prompt)
            try container.encode(entry.axes, forKey: .axes)
            try container.encode(entry.score, forKey: .score)
            try container.encode(entry.scores, forKey: .scores)
            try container.encode(entry.tags, forKey: .tags)
        }
    }

    /// What `index.html` embeds: the filters' choices and how many creatives and pages there are.
    struct Summary: Encodable {
        var sizes: [Manifest.CampaignSummary.Size]
        var axes: [Manifest.CampaignSummary.AxisSummary]
        var tags: [String]
        var total: Int
        var pages: Int
    }

    /// Writes page `number` with `creatives` into `file`: `adgenGallery.page(number, [...]);`, one creative a line.
    func writePage(
        _ number: Int, _ creatives: ArraySlice<Manifest.CreativeEntry>, to file: ExportFile
    ) throws(OutputError) {
        let encoder = Self.encoder()
        try file.write("adgenGallery.page(\(number), [")
        for (index, creative) in creatives.enumerated() {
            try file.write(index == 0 ? "\n" : ",\n")
            // Every value is finite and every key a string, so encoding cannot fail.
            try file.write(Self.scriptSafe((try? encoder.encode(Card(entry: creative))) ?? Data("{}".utf8)))
        }
        try file.write("\n]);\n")
    }

    /// The page for `manifest`, whose creatives are in `pages` data pages.
    func html(_ manifest: Manifest, pages: Int) -> String {
        let name = Self.escaped(manifest.campaign.name)
        let delivered = manifest.creatives.count
        let summary = Self.escaped(
            "\(manifest.campaign.brand.name) · batch \(manifest.batch.id) · \(manifest.batch.state) · "
                + "\(delivered) of \(manifest.totals.creatives) creatives delivered")
        var tags = Set<String>()
        for creative in manifest.creatives { tags.formUnion(creative.tags) }
        let data = Summary(
            sizes: manifest.campaign.sizes, axes: manifest.campaign.axes, tags: tags.sorted(), total: delivered,
            pages: pages)
        let embedded = Self.scriptSafe((try? Self.encoder().encode(data)) ?? Data("{}".utf8))
        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; script-src 'self' file: 'unsafe-inline'">
            <title>\(name) — \(Self.escaped(manifest.batch.id))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            <header>
            <h1>\(name)</h1>
            <p class="muted">\(summary)</p>
            </header>
            <form id="filters" onsubmit="return false">
            <label>Size <select id="f-size"><option value="">All sizes</option></select></label>
            <span id="f-axes"></span>
            <label>Tag <select id="f-tag"><option value="">Any tag</option></select></label>
            <label>Min. score <input id="f-min" type="range" min="0" max="1" step="0.05" value="0"> <output id="f-min-value">0.00</output></label>
            <label>Sort <select id="f-sort"><option value="score">Score, best first</option><option value="id">Id</option></select></label>
            </form>
            <p id="count" class="muted"></p>
            <main id="grid"></main>
            <p id="more" class="muted"></p>
            <aside id="detail" hidden></aside>
            <noscript><p>The gallery needs JavaScript; manifest.json and manifest.csv list every creative.</p></noscript>
            <script type="application/json" id="gallery">\(embedded)</script>
            <script>\(Self.script)</script>
            </body>
            </html>

            """
    }

    /// The encoder of the gallery's data: compact, keys sorted.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `text` safe in HTML text and attribute values.
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            case "\u{0}": result += "\u{FFFD}"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// JSON safe inside a `<script>` element or a script file: `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`.
    static func scriptSafe(_ json: Data) -> String {
        var result = ""
        result.reserveCapacity(json.count)
        for scalar in String(decoding: json, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "<": result += "\\u003c"
            case ">": result += "\\u003e"
            case "&": result += "\\u0026"
            case "\u{2028}": result += "\\u2028"
            case "\u{2029}": result += "\\u2029"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static let style = """
        :root{color-scheme:light;--ink:#18181b;--muted:#52525b;--line:#d4d4d8;--bg:#f4f4f5;--ok:#15803d;--warn:#b45309;--bad:#b91c1c}
        *{box-sizing:border-box}
        body{margin:0;padding:24px 32px;font:14px/1.4 "DejaVu Sans",system-ui,sans-serif;color:var(--ink);background:var(--bg)}
        h1{margin:0 0 4px;font-size:26px}
        .muted{color:var(--muted);margin:0 0 12px}
        form{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;margin:16px 0;padding:12px;background:#fff;border:1px solid var(--line);border-radius:8px}
        label{display:inline-flex;gap:6px;align-items:center}
        select,input{font:inherit}
        select{max-width:18em}
        #f-axes{display:contents}
        main{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:16px}
        figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px;cursor:pointer}
        figure:hover,figure:focus{outline:2px solid #2563eb}
        figure .frame{height:200px;display:flex;align-items:center;justify-content:center;background:#fafafa}
        figure img{max-width:100%;max-height:200px;object-fit:contain}
        figcaption{display:flex;justify-content:space-between;gap:8px;margin-top:6px;font-size:12px}
        .id{font-family:"DejaVu Sans Mono",monospace}
        .score{font-weight:bold}
        .good{color:var(--ok)}.fair{color:var(--warn)}.poor{color:var(--bad)}
        aside{position:fixed;top:0;right:0;bottom:0;width:min(480px,100%);overflow:auto;background:#fff;border-left:1px solid var(--line);padding:20px;box-shadow:-4px 0 16px rgba(0,0,0,.08)}
        aside img{max-width:100%;max-height:320px;display:block;margin:8px 0}
        aside table{border-collapse:collapse;width:100%;font-size:12px}
        aside td,aside th{border-bottom:1px solid var(--line);padding:4px;text-align:left;vertical-align:top}
        aside button{float:right}
        .tags{font-size:12px;color:var(--muted)}
        """

    static let script = """
        (function () {
          "use strict";
          var $ = function (id) { return document.getElementById(id); };
          var data = JSON.parse($("gallery").textContent);
          var axes = data.axes;
          var creatives = [];
          var loaded = 0, failed = null;
          var list = [], shown = 0, step = 60;
          function el(tag, text, cls) {
            var node = document.createElement(tag);
            if (text !== undefined && text !== null) node.textContent = String(text);
            if (cls) node.className = cls;
            return node;
          }
          function option(select, value, label) {
            var o = el("option", label === undefined ? value : label);
            o.value = value;
            select.appendChild(o);
          }
          function fmt(x) { return x === null || x === undefined ? "\\u2013" : Number(x).toFixed(2); }
          function grade(x) { return x === null || x === undefined ? "" : x >= 0.75 ? "good" : x >= 0.5 ? "fair" : "poor"; }
          function pageFile(n) {
            var digits = String(n);
            while (digits.length < 4) digits = "0" + digits;
            return "gallery/page-" + digits + ".js";
          }
          data.sizes.forEach(function (s) {
            option($("f-size"), s.id, s.id + " (" + s.width + "\\u00d7" + s.height + ")");
          });
          axes.forEach(function (axis, i) {
            var label = el("label", axis.name + " ");
            var select = el("select");
            select.id = "f-axis-" + i;
            option(select, "", "Any");
            axis.values.forEach(function (v) { option(select, v); });
            select.addEventListener("change", render);
            label.appendChild(select);
            $("f-axes").appendChild(label);
          });
          data.tags.forEach(function (t) { option($("f-tag"), t); });
          function checksText(c) {
            return c.scores.map(function (k) {
              var verdict = k.passed === null ? "skipped" : k.passed ? "passed" : "failed";
              return k.name + ": " + fmt(k.score) + " (" + verdict + ") \\u2014 " + k.reason;
            }).join("\\n");
          }
          function show(c) {
            var panel = $("detail");
            panel.textContent = "";
            var close = el("button", "Close");
            close.type = "button";
            close.addEventListener("click", function () { panel.hidden = true; });
            panel.appendChild(close);
            panel.appendChild(el("h2", c.id, "id"));
            var img = el("img");
            img.src = c.file;
            img.alt = c.id;
            panel.appendChild(img);
            panel.appendChild(el("p", c.size_id + " \\u00b7 " + c.width + "\\u00d7" + c.height + " \\u00b7 " + c.format + " \\u00b7 " + c.bytes + " bytes"));
            panel.appendChild(el("p", "Score " + fmt(c.score), "score " + grade(c.score)));
            var table = el("table");
            var head = el("tr");
            ["check", "value", "threshold", "score", "reason"].forEach(function (h) { head.appendChild(el("th", h)); });
            table.appendChild(head);
            c.scores.forEach(function (k) {
              var row = el("tr");
              row.appendChild(el("td", k.name + (k.passed === null ? "" : k.passed ? " \\u2713" : " \\u2717")));
              row.appendChild(el("td", k.value === null ? "\\u2013" : Number(k.value).toPrecision(3)));
              row.appendChild(el("td", k.threshold === null ? "\\u2013" : Number(k.threshold).toPrecision(3)));
              row.appendChild(el("td", fmt(k.score), grade(k.score)));
              row.appendChild(el("td", k.reason));
              table.appendChild(row);
            });
            panel.appendChild(table);
            var dl = el("p");
            axes.forEach(function (axis) { dl.appendChild(el("div", axis.name + ": " + (c.axes[axis.name] || ""))); });
            panel.appendChild(dl);
            panel.appendChild(el("p", c.prompt, "tags"));
            panel.appendChild(el("p", c.tags.join(" \\u00b7 "), "tags"));
            panel.hidden = false;
          }
          function card(c) {
            var figure = el("figure");
            figure.tabIndex = 0;
            figure.title = checksText(c);
            figure.setAttribute("data-id", c.id);
            var frame = el("div", null, "frame");
            var img = el("img");
            img.src = c.file;
            img.alt = c.id;
            img.loading = "lazy";
            frame.appendChild(img);
            figure.appendChild(frame);
            var caption = el("figcaption");
            caption.appendChild(el("span", c.id, "id"));
            caption.appendChild(el("span", c.size_id));
            caption.appendChild(el("span", fmt(c.score), "score " + grade(c.score)));
            figure.appendChild(caption);
            figure.addEventListener("click", function () { show(c); });
            figure.addEventListener("keydown", function (e) { if (e.key === "Enter") show(c); });
            return figure;
          }
          function choose() {
            var size = $("f-size").value, tag = $("f-tag").value, min = Number($("f-min").value);
            $("f-min-value").textContent = min.toFixed(2);
            var chosen = axes.map(function (axis, i) { return $("f-axis-" + i).value; });
            list = creatives.filter(function (c) {
              if (size && c.size_id !== size) return false;
              if (tag && c.tags.indexOf(tag) < 0) return false;
              if (min > 0 && !(c.score >= min)) return false;
              for (var i = 0; i < axes.length; i++) {
                if (chosen[i] && c.axes[axes[i].name] !== chosen[i]) return false;
              }
              return true;
            });
            if ($("f-sort").value === "score") {
              list.sort(function (a, b) {
                var x = a.score === null ? -1 : a.score, y = b.score === null ? -1 : b.score;
                return y - x || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
              });
            } else {
              list.sort(function (a, b) { return a.id < b.id ? -1 : a.id > b.id ? 1 : 0; });
            }
          }
          function status() {
            var text = list.length + " of " + data.total + " creatives";
            if (failed) {
              text += " \\u2014 " + failed + " could not be read: keep the gallery folder beside index.html";
            } else if (loaded < data.pages) {
              text += " \\u2014 loading (" + creatives.length + " of " + data.total + " read)";
            }
            $("count").textContent = text;
            $("more").textContent = shown < list.length ? "Scroll for " + (list.length - shown) + " more" : "";
          }
          // Adds cards until the grid reaches below the window (or `at least` are shown), then `step` at a time.
          function fill(atLeast) {
            var grid = $("grid");
            while (shown < list.length && (shown < atLeast || $("more").getBoundingClientRect().top < window.innerHeight + 600)) {
              var end = Math.min(list.length, shown + step);
              for (; shown < end; shown++) grid.appendChild(card(list[shown]));
            }
            status();
          }
          function draw(atLeast) {
            choose();
            $("grid").textContent = "";
            shown = 0;
            fill(atLeast);
          }
          function render() { draw(0); }
          ["f-size", "f-tag", "f-min", "f-sort"].forEach(function (id) {
            $(id).addEventListener("input", render);
            $(id).addEventListener("change", render);
          });
          window.addEventListener("scroll", function () { fill(0); }, { passive: true });
          window.addEventListener("resize", function () { fill(0); });
          function next() {
            if (loaded >= data.pages) return;
            var script = document.createElement("script");
            script.src = pageFile(loaded + 1);
            script.onerror = function () { failed = script.getAttribute("src"); status(); };
            document.body.appendChild(script);
          }
          // Each page hands over its creatives; the grid is drawn again with as many cards as it had.
          window.adgenGallery = {
            page: function (number, page) {
              if (number !== loaded + 1) return;
              loaded = number;
              Array.prototype.push.apply(creatives, page);
              draw(shown);
              next();
            }
          };
          draw(0);
          next();
        })();
        """
}

/// The look of a gallery: the stylesheet the exported `index.html` uses, which the server's live page shares.
public enum GalleryLook {
    /// The CSS.
    public static var stylesheet: String { Gallery.style }
}
