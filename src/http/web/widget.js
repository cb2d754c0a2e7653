/*
 * wenda search widget: a search box with suggestions while typing (Chinese,
 * pinyin or initials), highlighted results, topic filters and a link to
 * each article, as one custom element.
 *
 *   <script src="https://help.example.com/widget.js" defer></script>
 *   <wenda-search></wenda-search>
 *
 * Attributes: server (the wenda server; default: where this script came
 * from), placeholder, label, topic (search only under "A > B"), limit
 * (results per page, default 10), article-base (where article links point;
 * default: the article's own URL, else SERVER/articles/ID).
 * Events: "wenda-open" (detail {id, title, url, query, position}; cancel it
 * to show the article yourself) and "wenda-results" (detail {query, total}).
 * Methods: search(text), collapse().
 * Theme with CSS custom properties on the element: --wenda-accent,
 * --wenda-font, --wenda-radius, --wenda-text, --wenda-muted,
 * --wenda-surface, --wenda-border.
 */
(() => {
  'use strict';
  if (window.customElements === undefined || customElements.get('wenda-search')) {
    return;
  }
  const script = document.currentScript;
  const DEFAULT_SERVER = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const SUGGEST_DELAY_MS = 90;
  let instances = 0;

  const CSS = `
:host {
  --accent: var(--wenda-accent, #c7000b);
  --text: var(--wenda-text, #1f2329);
  --muted: var(--wenda-muted, #646a73);
  --surface: var(--wenda-surface, #ffffff);
  --border: var(--wenda-border, #d0d3d6);
  --radius: var(--wenda-radius, 8px);
  display: block;
  font-family: var(--wenda-font, system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB",
    "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif);
  color: var(--text);
  font-size: 15px;
  line-height: 1.7;
  text-align: start;
  -webkit-text-size-adjust: 100%;
}
* { box-sizing: border-box; }
.sr-only {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
.combo { position: relative; }
.field {
  display: flex; align-items: center; gap: 8px;
  height: 48px; padding: 0 8px 0 14px;
  background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
}
.field:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 18%, transparent); }
.icon { flex: none; width: 18px; height: 18px; color: var(--muted); }
input {
  flex: 1; min-width: 0; height: 100%; border: 0; outline: 0; background: transparent;
  font: inherit; font-size: 16px; color: inherit;
}
input::-webkit-search-cancel-button { display: none; }
button { font: inherit; cursor: pointer; }
.clear {
  flex: none; width: 32px; height: 32px; border: 0; border-radius: 50%;
  background: transparent; color: var(--muted); font-size: 20px; line-height: 1;
  visibility: hidden;
}
.clear.shown { visibility: visible; }
.clear:hover, .clear:focus-visible { background: #f0f1f2; }
.go {
  flex: none; height: 36px; padding: 0 16px; border: 0; border-radius: calc(var(--radius) - 2px);
  background: var(--accent); color: #fff; font-weight: 600;
}
[role="listbox"] {
  position: absolute; z-index: 20; left: 0; right: 0; top: calc(100% + 4px);
  margin: 0; padding: 4px; list-style: none;
  background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius);
  box-shadow: 0 8px 24px rgba(15, 20, 25, .12);
  max-height: min(60vh, 420px); overflow-y: auto;
}
[role="listbox"][hidden] { display: none; }
[role="option"] {
  display: flex; align-items: baseline; gap: 8px;
  padding: 8px 10px; border-radius: calc(var(--radius) - 3px); cursor: pointer;
}
[role="option"][aria-selected="true"] { background: #f2f3f5; }
.kind {
  flex: none; font-size: 12px; line-height: 18px; padding: 0 6px; border-radius: 4px;
  color: var(--muted); background: #f0f1f2;
}
.kind.article { color: var(--accent); background: color-mix(in srgb, var(--accent) 8%, transparent); }
.opt-text { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.opt-topic { flex: none; max-width: 40%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  font-size: 12px; color: var(--muted); }
mark { background: transparent; color: var(--accent); font-weight: 600; }
.status { min-height: 1.7em; margin: 10px 2px 4px; font-size: 13px; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: 6px; margin: 4px 0 8px; }
.filters:empty { display: none; }
.chip {
  height: 30px; padding: 0 12px; border: 1px solid var(--border); border-radius: 15px;
  background: var(--surface); color: var(--text); font-size: 13px;
}
.chip[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); background: color-mix(in srgb, var(--accent) 6%, transparent); }
.chip .n { color: var(--muted); margin-left: 4px; }
.results { list-style: none; margin: 0; padding: 0; }
.hit { padding: 14px 2px; border-bottom: 1px solid #eceef0; }
.hit:last-child { border-bottom: 0; }
.hit a.title {
  font-size: 16px; font-weight: 600; color: var(--text); text-decoration: none;
}
.hit a.title:hover, .hit a.title:focus-visible { color: var(--accent); text-decoration: underline; text-underline-offset: 3px; }
.crumbs { font-size: 12px; color: var(--muted); margin-top: 2px; }
.crumbs span + span::before { content: "›"; margin: 0 6px; color: #a0a5ab; }
.snippet { margin: 6px 0 0; color: #373c43; overflow-wrap: anywhere; }
.meta { margin-top: 6px; font-size: 12px; color: var(--muted); }
.meta .steps { display: inline-block; padding: 0 6px; border-radius: 4px; background: #f0f1f2; }
.note { margin: 8px 2px; color: var(--muted); }
.note button, .more {
  border: 0; background: none; padding: 0; color: var(--accent); text-decoration: underline; text-underline-offset: 3px;
}
.more { display: block; margin: 12px auto 0; }
.empty { padding: 18px 2px; color: var(--muted); }
.empty strong { color: var(--text); }
@media (max-width: 480px) {
  .go { display: none; }
  .opt-topic { display: none; }
  .field { height: 44px; }
}
`;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined) node.append(c);
    }
    return node;
  }

  /* Text with [start, end) character (code point) ranges marked. */
  function marked(text, ranges) {
    const chars = Array.from(text || '');
    const frag = document.createDocumentFragment();
    let at = 0;
    const sorted = (ranges || []).slice().sort((a, b) => a[0] - b[0]);
    for (const [s, e] of sorted) {
      if (s < at || e <= s) continue;
      if (s > at) frag.append(chars.slice(at, s).join(''));
      frag.append(el('mark', { text: chars.slice(s, e).join('') }));
      at = e;
    }
    if (at < chars.length) frag.append(chars.slice(at).join(''));
    return frag;
  }

  function articlePath(id) {
    return id.split('/').map(encodeURIComponent).join('/');
  }

  class WendaSearch extends HTMLElement {
    constructor() {
      super();
      const n = ++instances;
      this._ids = { input: `wq${n}`, list: `wl${n}` };
      this._suggestions = [];
      this._active = -1;
      this._seq = 0;
      this._searchSeq = 0;
      this._timer = 0;
      this._query = '';
      this._topic = '';
      this._offset = 0;
      this._total = 0;
      this._composing = false;
      const root = this.attachShadow({ mode: 'open' });
      const style = el('style', { text: CSS });
      this._label = el('label', { class: 'sr-only', for: this._ids.input });
      this._input = el('input', {
        id: this._ids.input, type: 'search', role: 'combobox', autocomplete: 'off',
        autocapitalize: 'off', spellcheck: 'false', enterkeyhint: 'search',
        'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': this._ids.list,
        part: 'input',
      });
      this._clear = el('button', { type: 'button', class: 'clear', 'aria-label': '清除', text: '×' });
      this._go = el('button', { type: 'button', class: 'go', text: '搜索', part: 'button' });
      const icon = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
      icon.setAttribute('viewBox', '0 0 24 24');
      icon.setAttribute('class', 'icon');
      icon.setAttribute('aria-hidden', 'true');
      icon.innerHTML = '<circle cx="11" cy="11" r="7" fill="none" stroke="currentColor" stroke-width="2"/><path d="M20 20l-4-4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>';
      this._list = el('ul', { id: this._ids.list, role: 'listbox', hidden: true, part: 'suggestions' });
      this._hint = el('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
      this._status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite', part: 'status' });
      this._filters = el('div', { class: 'filters', role: 'group', 'aria-label': '按主题筛选' });
      this._results = el('ol', { class: 'results', 'aria-label': '搜索结果', part: 'results' });
      this._after = el('div');
      const field = el('div', { class: 'field', part: 'field' }, icon, this._input, this._clear, this._go);
      const combo = el('div', { class: 'combo', role: 'search' }, this._label, field, this._list);
      this._panel = el('div', { class: 'panel' }, this._status, this._filters, this._results, this._after);
      root.append(style, combo, this._hint, this._panel);
      this._wire();
    }

    static get observedAttributes() {
      return ['placeholder', 'label'];
    }

    connectedCallback() {
      this._applyText();
    }

    attributeChangedCallback() {
      this._applyText();
    }

    _applyText() {
      const label = this.getAttribute('label') || '搜索帮助中心';
      this._label.textContent = label;
      this._input.placeholder = this.getAttribute('placeholder') || '输入问题，如“代金券怎么用”，也可以打拼音 djq';
      this._list.setAttribute('aria-label', '搜索建议');
    }

    get server() {
      return (this.getAttribute('server') || DEFAULT_SERVER).replace(/\/+$/, '');
    }

    get pageSize() {
      const n = parseInt(this.getAttribute('limit') || '10', 10);
      return Number.isFinite(n) && n >= 1 && n <= 100 ? n : 10;
    }

    _wire() {
      const input = this._input;
      input.addEventListener('compositionstart', () => { this._composing = true; });
      input.addEventListener('compositionend', () => {
        this._composing = false;
        this._typed();
      });
      input.addEventListener('input', () => this._typed());
      input.addEventListener('keydown', (e) => this._key(e));
      input.addEventListener('blur', () => {
        // A click on an option keeps focus (mousedown is cancelled), so a
        // blur means the user left the box.
        setTimeout(() => {
          if (this.shadowRoot.activeElement !== input) this._close();
        }, 0);
      });
      input.addEventListener('focus', () => {
        if (input.value.trim() && this._suggestions.length) this._open();
      });
      this._clear.addEventListener('click', () => {
        input.value = '';
        this._typed();
        input.focus();
      });
      this._go.addEventListener('click', () => this.search(input.value));
      this._list.addEventListener('mousedown', (e) => e.preventDefault());
      this._list.addEventListener('click', (e) => {
        const li = e.target.closest('[role="option"]');
        if (li) this._choose(Number(li.dataset.i));
      });
    }

    _typed() {
      const value = this._input.value;
      this._clear.classList.toggle('shown', value.length > 0);
      clearTimeout(this._timer);
      if (!value.trim()) {
        this._seq++;
        this._suggestions = [];
        this._close();
        return;
      }
      this._timer = setTimeout(() => this._suggest(value), SUGGEST_DELAY_MS);
    }

    async _suggest(value) {
      const seq = ++this._seq;
      if (this._aborter) this._aborter.abort();
      this._aborter = new AbortController();
      let body;
      try {
        const url = `${this.server}/api/suggest?q=${encodeURIComponent(value)}&limit=8`;
        const r = await fetch(url, { signal: this._aborter.signal, headers: { accept: 'application/json' } });
        if (!r.ok) throw new Error(String(r.status));
        body = await r.json();
      } catch (err) {
        if (seq === this._seq) this._close();
        return;
      }
      if (seq !== this._seq || this._input.value !== value) return;
      this._typedFor = value;
      this._suggestions = body.suggestions || [];
      this._renderSuggestions();
    }

    _renderSuggestions() {
      const list = this._list;
      list.replaceChildren();
      this._active = -1;
      this._input.removeAttribute('aria-activedescendant');
      this._suggestions.forEach((s, i) => {
        const isArticle = !!s.article_id;
        const li = el('li', {
          role: 'option', id: `${this._ids.list}-${i}`, 'aria-selected': 'false',
          'data-i': i, 'data-kind': s.kind, 'data-article': s.article_id || null,
        },
        el('span', { class: `kind${isArticle ? ' article' : ''}`, 'aria-hidden': 'true', text: isArticle ? '文章' : '搜索' }),
        el('span', { class: 'opt-text' }, marked(s.text, s.highlights)),
        isArticle && s.topic && s.topic.length ? el('span', { class: 'opt-topic', text: s.topic.join(' › ') }) : null);
        list.append(li);
      });
      if (this._suggestions.length) {
        this._open();
        this._hint.textContent = `${this._suggestions.length} 条建议，按上下键选择`;
      } else {
        this._close();
      }
    }

    _open() {
      if (!this._suggestions.length) return;
      this._list.hidden = false;
      this._input.setAttribute('aria-expanded', 'true');
    }

    _close() {
      this._list.hidden = true;
      this._input.setAttribute('aria-expanded', 'false');
      this._input.removeAttribute('aria-activedescendant');
      this._active = -1;
      for (const li of this._list.children) li.setAttribute('aria-selected', 'false');
    }

    _move(delta) {
      const n = this._suggestions.length;
      if (!n) return;
      if (this._list.hidden) {
        this._open();
      }
      let i = this._active + delta;
      if (i < -1) i = n - 1;
      if (i >= n) i = -1;
      this._active = i;
      [...this._list.children].forEach((li, j) => li.setAttribute('aria-selected', j === i ? 'true' : 'false'));
      if (i >= 0) {
        const li = this._list.children[i];
        this._input.setAttribute('aria-activedescendant', li.id);
        li.scrollIntoView({ block: 'nearest' });
      } else {
        this._input.removeAttribute('aria-activedescendant');
      }
    }

    _key(e) {
      if (e.isComposing || this._composing) return;
      switch (e.key) {
        case 'ArrowDown':
          e.preventDefault();
          this._move(1);
          break;
        case 'ArrowUp':
          e.preventDefault();
          this._move(-1);
          break;
        case 'Enter':
          e.preventDefault();
          if (!this._list.hidden && this._active >= 0) this._choose(this._active);
          else this.search(this._input.value);
          break;
        case 'Escape':
          if (!this._list.hidden) {
            e.preventDefault();
            this._close();
          } else if (this._input.value) {
            e.preventDefault();
            this._input.value = '';
            this._typed();
          }
          break;
        default:
          break;
      }
    }

    _choose(i) {
      const s = this._suggestions[i];
      if (!s) return;
      clearTimeout(this._timer);
      this._seq++;
      this._close();
      if (s.article_id) {
        const typed = this._typedFor || this._input.value;
        this._input.value = s.text;
        this._clear.classList.add('shown');
        this._report(typed, s.article_id, i + 1);
        this._openArticle({ id: s.article_id, title: s.text, url: null, query: typed, position: i + 1 });
      } else {
        this._input.value = s.text;
        this.search(s.text);
      }
    }

    _href(id, url) {
      const base = this.getAttribute('article-base');
      if (base) return base + articlePath(id);
      return url || `${this.server}/articles/${articlePath(id)}`;
    }

    _openArticle(detail) {
      const ok = this.dispatchEvent(new CustomEvent('wenda-open', {
        detail, bubbles: true, composed: true, cancelable: true,
      }));
      if (ok) location.assign(this._href(detail.id, detail.url));
    }

    _report(query, articleId, position) {
      try {
        fetch(`${this.server}/api/click`, {
          method: 'POST',
          keepalive: true,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: query.slice(0, 1000), article_id: articleId, position }),
        }).catch(() => {});
      } catch (err) {
        /* a lost click report only loses a signal */
      }
    }

    /* Runs a search for `text` (the first page), keeping the topic filter. */
    search(text) {
      const q = (text || '').trim();
      // Suggestions still on their way are for text already searched.
      clearTimeout(this._timer);
      this._seq++;
      this._close();
      if (!q) return;
      if (this._input.value !== text) this._input.value = text;
      if (q !== this._query) this._topic = this.getAttribute('topic') || '';
      this._query = q;
      this._offset = 0;
      this._panel.hidden = false;
      this._run(false);
    }

    /* Hides the results (the query stays in the box). */
    collapse() {
      this._close();
      this._panel.hidden = true;
    }

    async _run(append) {
      const seq = ++this._searchSeq;
      const q = this._query;
      this._status.textContent = '正在搜索…';
      this.setAttribute('aria-busy', 'true');
      let body;
      let failure = '';
      try {
        let url = `${this.server}/api/search?q=${encodeURIComponent(q)}&limit=${this.pageSize}&offset=${this._offset}`;
        if (this._topic) url += `&topic=${encodeURIComponent(this._topic)}`;
        const r = await fetch(url, { headers: { accept: 'application/json' } });
        body = await r.json().catch(() => null);
        if (!r.ok) failure = (body && body.error && body.error.message) || `HTTP ${r.status}`;
      } catch (err) {
        failure = '无法连接搜索服务';
      }
      if (seq !== this._searchSeq) return;
      this.removeAttribute('aria-busy');
      if (failure) {
        this._status.textContent = `搜索暂时不可用：${failure}`;
        if (!append) {
          this._results.replaceChildren();
          this._filters.replaceChildren();
          this._after.replaceChildren();
        }
        return;
      }
      this._render(body, append);
    }

    _render(body, append) {
      this._total = body.total;
      const where = this._topic ? `“${this._topic}”下` : '';
      this._status.textContent = body.total
        ? `${where}找到 ${body.total} 篇与“${this._query}”相关的文章`
        : `${where}没有找到与“${this._query}”相关的文章`;
      if (!append) {
        this._results.replaceChildren();
        this._renderFilters(body.facets && body.facets.topic ? body.facets.topic : []);
      }
      const start = this._offset;
      body.hits.forEach((h, i) => this._results.append(this._hit(h, start + i + 1)));
      this._after.replaceChildren();
      if (body.suggestion && body.suggestion !== this._query) {
        const b = el('button', { type: 'button', text: body.suggestion });
        b.addEventListener('click', () => this.search(body.suggestion));
        this._after.append(el('p', { class: 'note' }, '您是不是要找：', b));
      }
      if (!body.total) {
        const empty = el('div', { class: 'empty' },
          el('p', {}, '没有找到与“', el('strong', { text: this._query }), '”相关的文章。'),
          el('p', { text: '试试换个说法、少写几个字，或者直接描述您要做的操作。' }));
        if (this._topic) {
          const all = el('button', { type: 'button', class: 'more', text: '在全部主题中搜索' });
          all.addEventListener('click', () => { this._topic = ''; this._offset = 0; this._run(false); });
          empty.append(all);
        }
        this._after.append(empty);
      } else if (start + body.hits.length < body.total) {
        const more = el('button', { type: 'button', class: 'more', text: '更多结果' });
        more.addEventListener('click', () => { this._offset += this.pageSize; this._run(true); });
        this._after.append(more);
      }
      this.dispatchEvent(new CustomEvent('wenda-results', {
        detail: { query: this._query, total: body.total, topic: this._topic },
        bubbles: true, composed: true,
      }));
    }

    _renderFilters(facets) {
      this._filters.replaceChildren();
      if (!facets.length && !this._topic) return;
      const chip = (label, value, count, pressed) => {
        const b = el('button', { type: 'button', class: 'chip', 'aria-pressed': pressed ? 'true' : 'false', 'data-topic': value, title: value || '全部主题' },
          label, count === null ? null : el('span', { class: 'n', text: String(count) }));
        b.addEventListener('click', () => {
          this._topic = value;
          this._offset = 0;
          this._run(false);
        });
        return b;
      };
      const fixed = this.getAttribute('topic') || '';
      if (this._topic && this._topic !== fixed) {
        this._filters.append(chip('全部', fixed, null, false));
        const parts = this._topic.split(' > ');
        this._filters.append(chip(parts[parts.length - 1], this._topic, this._total, true));
      } else {
        this._filters.append(chip('全部', fixed, this._total, true));
      }
      for (const f of facets) {
        if (f.value === this._topic) continue;
        const parts = f.value.split(' > ');
        this._filters.append(chip(parts[parts.length - 1], f.value, f.count, false));
      }
    }

    _hit(h, position) {
      const href = this._href(h.id, h.url);
      const a = el('a', { class: 'title', href, 'data-id': h.id, text: h.title });
      a.addEventListener('click', (e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
          this._report(this._query, h.id, position);
          return;
        }
        e.preventDefault();
        this._report(this._query, h.id, position);
        this._openArticle({ id: h.id, title: h.title, url: h.url, query: this._query, position });
      });
      const crumbs = h.topic && h.topic.length
        ? el('div', { class: 'crumbs', 'aria-label': '所在主题' }, ...h.topic.map((t) => el('span', { text: t })))
        : null;
      const snippet = h.snippet_parts && h.snippet_parts.text
        ? el('p', { class: 'snippet' }, marked(h.snippet_parts.text, h.snippet_parts.highlights))
        : null;
      const meta = h.step_count
        ? el('div', { class: 'meta' }, el('span', { class: 'steps', text: `${h.step_count} 个操作步骤` }))
        : null;
      return el('li', { class: 'hit', 'data-id': h.id }, a, crumbs, snippet, meta);
    }
  }

  customElements.define('wenda-search', WendaSearch);
})();
