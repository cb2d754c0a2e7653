/*
 * The help-centre page: topic browsing and articles beside the search
 * widget, a chat panel on /api/answer, and the agent view on /api/assist.
 * Plain JavaScript, no build step; routes live in the URL hash.
 */
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);
  const PAGE_SIZE = 20;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) {
      if (c !== null && c !== undefined && c !== false) node.append(c);
    }
    return node;
  }

  async function api(path, options) {
    try {
      const r = await fetch(path, {
        ...(options || {}),
        headers: { accept: 'application/json', ...((options && options.headers) || {}) },
      });
      const body = await r.json().catch(() => null);
      return { ok: r.ok, status: r.status, body };
    } catch (err) {
      return { ok: false, status: 0, body: null };
    }
  }

  function post(path, data) {
    return api(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(data),
    });
  }

  function errorText(res) {
    if (res.body && res.body.error) return `${res.body.error.message}（${res.body.error.code}）`;
    return res.status ? `HTTP ${res.status}` : '无法连接服务器';
  }

  function decode(s) {
    try {
      return decodeURIComponent(s);
    } catch (err) {
      return s;
    }
  }

  const articleHash = (id) => `#/article/${encodeURIComponent(id)}`;
  const topicHash = (path) => `#/topic/${encodeURIComponent(path.join(' > '))}`;

  /* ---------- views and routing ---------- */

  function show(view) {
    for (const v of ['docs', 'chat', 'agent']) $(v).hidden = v !== view;
    for (const a of document.querySelectorAll('.tabs a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  let firstRoute = true;
  function route() {
    const hash = location.hash || '#/';
    let m;
    const focus = !firstRoute;
    firstRoute = false;
    if (hash.startsWith('#/chat')) {
      show('chat');
      document.title = '智能客服 · 帮助中心';
      startChat();
      if (focus) $('chat-input').focus();
    } else if (hash.startsWith('#/agent')) {
      show('agent');
      document.title = '坐席助手 · 帮助中心';
      if (focus) $('ticket').focus();
    } else {
      show('docs');
      if ((m = hash.match(/^#\/article\/(.+)$/))) {
        openArticle(decode(m[1]), focus);
      } else if ((m = hash.match(/^#\/topic\/(.*)$/))) {
        openTopic(decode(m[1]), 0, focus);
      } else {
        openTopic('', 0, focus);
      }
    }
  }

  /* ---------- topics ---------- */

  let tree = [];
  let currentTopic = null;

  async function loadTopics() {
    const res = await api('/api/topics');
    if (!res.ok) return;
    tree = res.body.topics || [];
    const root = $('topic-tree');
    root.replaceChildren(
      el('li', {}, el('a', { href: '#/', 'data-topic': '' }, el('span', { text: '全部文章' }),
        el('span', { class: 'n', text: String(res.body.total) }))),
      ...tree.map(node));
    markTopic();
    if (window.matchMedia('(max-width: 760px)').matches) $('topics-box').open = false;
  }

  function node(t) {
    const value = t.path.join(' > ');
    return el('li', {},
      el('a', { href: topicHash(t.path), 'data-topic': value },
        el('span', { text: t.name }), el('span', { class: 'n', text: String(t.count) })),
      t.children.length ? el('ul', {}, ...t.children.map(node)) : null);
  }

  function markTopic() {
    for (const a of document.querySelectorAll('#topic-tree a')) {
      if (currentTopic !== null && a.dataset.topic === currentTopic) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  function findTopic(path) {
    let level = tree;
    let found = null;
    for (const name of path) {
      found = level.find((t) => t.name === name);
      if (!found) return null;
      level = found.children;
    }
    return found;
  }

  function crumbs(path, last) {
    const items = [el('li', {}, el('a', { href: '#/', text: '全部文章' }))];
    path.forEach((name, i) => {
      items.push(el('li', {}, el('a', { href: topicHash(path.slice(0, i + 1)), text: name })));
    });
    if (last) items.push(el('li', { 'aria-current': 'page', text: last }));
    return el('ol', { class: 'crumbs', 'aria-label': '位置' }, ...items);
  }

  async function openTopic(topic, offset, focus) {
    currentTopic = topic;
    markTopic();
    const content = $('content');
    const path = topic ? topic.split(' > ') : [];
    const title = path.length ? path[path.length - 1] : '全部文章';
    document.title = `${title} · 帮助中心`;
    const q = `/api/articles?limit=${PAGE_SIZE}&offset=${offset}${topic ? `&topic=${encodeURIComponent(topic)}` : ''}`;
    const res = await api(q);
    if (currentTopic !== topic) return;
    if (!res.ok) {
      content.replaceChildren(el('h1', { text: title }), el('p', { text: `无法读取文章列表：${errorText(res)}` }));
      return;
    }
    const body = res.body;
    const sub = path.length ? (findTopic(path) || { children: [] }).children : tree;
    const list = el('ul', { class: 'list', 'aria-label': `${title}的文章` }, ...body.articles.map((a) => el('li', {},
      el('a', { class: 'title', href: articleHash(a.id), text: a.title }),
      a.topic.length ? el('div', { class: 'muted', text: a.topic.join(' › ') }) : null,
      a.step_count ? el('span', { class: 'badge', text: `${a.step_count} 个操作步骤` }) : null)));
    const pager = el('div', { class: 'pager' });
    if (offset > 0) {
      const prev = el('button', { type: 'button', class: 'ghost', text: '上一页' });
      prev.addEventListener('click', () => openTopic(topic, Math.max(0, offset - PAGE_SIZE), true));
      pager.append(prev);
    }
    if (body.total > PAGE_SIZE) {
      pager.append(el('span', { class: 'muted', text: `第 ${offset + 1}–${offset + body.articles.length} 篇，共 ${body.total} 篇` }));
    }
    if (offset + body.articles.length < body.total) {
      const next = el('button', { type: 'button', class: 'ghost', text: '下一页' });
      next.addEventListener('click', () => openTopic(topic, offset + PAGE_SIZE, true));
      pager.append(next);
    }
    content.replaceChildren(
      path.length ? crumbs(path.slice(0, -1), null) : null,
      el('h1', { text: title }),
      el('p', { class: 'muted', text: `${body.total} 篇文章` }),
      sub.length ? el('ul', { class: 'chips', 'aria-label': '子主题' }, ...sub.map((t) => el('li', {},
        el('a', { href: topicHash(t.path), text: `${t.name}（${t.count}）` })))) : null,
      list, pager);
    if (focus) content.focus({ preventScroll: false });
  }

  /* ---------- articles ---------- */

  let lastQuery = '';
  const STRUCTURAL = /^(操作步骤|前提条件|约束与限制|约束限制|使用限制|注意事项|相关链接|相关文档|相关操作)$/;

  function stepsList(steps, cls) {
    return el('ol', { class: cls || 'steps' }, ...steps.map((s) => el('li', {},
      el('div', { class: 'step-text', text: s.text }),
      s.menu_path && s.menu_path.length ? el('div', {}, el('span', { class: 'path-label', text: '控制台路径' }),
        el('ul', { class: 'path', 'aria-label': '控制台路径' }, ...s.menu_path.map((p) => el('li', { text: p })))) : null,
      ...(s.notes || []).map((n) => el('div', { class: 'note', text: n })),
      s.substeps && s.substeps.length ? stepsList(s.substeps, 'sub') : null)));
  }

  function bullets(title, items, cls) {
    if (!items || !items.length) return null;
    return el('section', { class: `box ${cls}` }, el('h2', { text: title }),
      el('ul', {}, ...items.map((t) => el('li', { text: t }))));
  }

  function linkItem(l) {
    if (l.id) return el('li', {}, el('a', { href: articleHash(l.id), text: l.text }));
    if (l.url) return el('li', {}, el('a', { href: l.url, rel: 'noopener noreferrer', target: '_blank', text: l.text }));
    return el('li', { text: l.text });
  }

  async function openArticle(id, focus) {
    currentTopic = null;
    const content = $('content');
    const res = await api(`/api/articles/${id.split('/').map(encodeURIComponent).join('/')}`);
    if (!res.ok) {
      currentTopic = null;
      markTopic();
      content.replaceChildren(el('h1', { text: '没有找到这篇文章' }),
        el('p', { text: res.status === 404 ? '它可能已被移除或改名。' : errorText(res) }),
        el('p', {}, el('a', { href: '#/', text: '浏览全部文章' })));
      return;
    }
    const a = res.body;
    currentTopic = a.topic.join(' > ');
    markTopic();
    document.title = `${a.title} · 帮助中心`;
    const path = a.breadcrumb.map((c, i) => ({ c, i }));
    const crumbList = el('ol', { class: 'crumbs', 'aria-label': '位置' },
      el('li', {}, el('a', { href: '#/', text: '全部文章' })),
      ...path.map(({ c, i }) => el('li', {}, el('a', {
        href: c.id ? articleHash(c.id) : topicHash(a.topic.slice(0, i + 1)), text: c.name,
      }))));
    const intro = a.sections.find((s) => !s.heading);
    const structured = a.procedures.length || a.prerequisites.length || a.constraints.length;
    const others = a.sections.filter((s) => s.heading && !(structured && STRUCTURAL.test(s.heading.trim())));
    const parts = [crumbList, el('h1', { id: 'article-title', text: a.title })];
    if (intro) parts.push(el('p', { class: 'lead section-text', text: intro.text }));
    parts.push(bullets('前提条件', a.prerequisites, 'pre'));
    parts.push(bullets('约束与限制', a.constraints, 'warn'));
    a.procedures.forEach((p, i) => {
      const total = p.steps.length;
      parts.push(el('h2', { text: p.title || (a.procedures.length > 1 ? `操作步骤（${i + 1}）` : '操作步骤') }));
      parts.push(el('p', { class: 'muted', text: `共 ${total} 步` }));
      parts.push(stepsList(p.steps));
    });
    for (const s of others) {
      parts.push(el('h2', { text: s.heading }), el('div', { class: 'section-text', text: s.text }));
    }
    if (a.links.length) parts.push(el('h2', { text: '相关链接' }), el('ul', { class: 'refs' }, ...a.links.map(linkItem)));
    if (a.backlinks.length) {
      parts.push(el('h2', { text: '引用本文的文章' }), el('ul', { class: 'refs' },
        ...a.backlinks.map((b) => el('li', {}, el('a', { href: articleHash(b.id), text: b.title })))));
    }
    if (a.questions.length) {
      parts.push(el('p', { class: 'muted', text: `也可以这样问：${a.questions.join('；')}` }));
    }
    if (a.url) parts.push(el('p', {}, el('a', { href: a.url, rel: 'noopener noreferrer', target: '_blank', text: '查看原文' })));
    parts.push(feedback(a));
    content.replaceChildren(...parts.filter(Boolean));
    if (focus) {
      content.focus({ preventScroll: true });
      window.scrollTo({ top: 0 });
    }
  }

  function feedback(a) {
    const status = el('span', { class: 'muted', role: 'status', 'aria-live': 'polite' });
    const send = async (helpful, button) => {
      const res = await post('/api/feedback', { query: lastQuery || a.title, article_id: a.id, helpful });
      for (const b of button.parentNode.querySelectorAll('button')) b.setAttribute('aria-pressed', b === button ? 'true' : 'false');
      status.textContent = res.ok ? '谢谢您的反馈' : (res.body && res.body.error && res.body.error.code === 'feedback_disabled'
        ? '这个站点没有开启反馈' : `反馈没有送达：${errorText(res)}`);
    };
    const yes = el('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false', text: '有帮助' });
    const no = el('button', { type: 'button', class: 'ghost', 'aria-pressed': 'false', text: '没帮助' });
    yes.addEventListener('click', () => send(true, yes));
    no.addEventListener('click', () => send(false, no));
    return el('div', { class: 'feedback' }, el('span', { text: '这篇文章有帮助吗？' }), yes, no, status);
  }

  /* ---------- chat ---------- */

  const chat = { session: null, busy: false, started: false };
  try {
    chat.session = sessionStorage.getItem('wenda-session');
  } catch (err) {
    chat.session = null;
  }

  function keepSession(id) {
    chat.session = id;
    try {
      if (id) sessionStorage.setItem('wenda-session', id);
      else sessionStorage.removeItem('wenda-session');
    } catch (err) {
      /* private mode: the session lives as long as the page */
    }
  }

  function addMsg(who, ...children) {
    const m = el('div', { class: `msg ${who}` }, ...children);
    $('chat-log').append(m);
    $('chat-log').scrollTop = $('chat-log').scrollHeight;
    return m;
  }

  function startChat() {
    if (chat.started) return;
    chat.started = true;
    addMsg('bot', el('div', { class: 'text welcome', text: '您好，我是智能客服。请直接描述您遇到的问题，例如“代金券怎么给客户下发”。' }));
  }

  async function ask(question, shown) {
    const text = (question || '').trim();
    if (!text || chat.busy) return;
    chat.busy = true;
    addMsg('user', el('div', { class: 'text', text: shown || text }));
    const waiting = addMsg('bot', el('div', { class: 'text muted', text: '正在查找…' }));
    waiting.setAttribute('aria-busy', 'true');
    const body = { question: text };
    if (chat.session) body.session_id = chat.session;
    const res = await post('/api/answer', body);
    waiting.remove();
    chat.busy = false;
    if (!res.ok) {
      if (res.body && res.body.error && res.body.error.code === 'invalid_session_id') keepSession(null);
      addMsg('bot', el('div', { class: 'text', text: `抱歉，暂时无法回答：${errorText(res)}` }));
      return;
    }
    reply(res.body);
  }

  function actionButton(label, send, shown) {
    const b = el('button', { type: 'button', text: label });
    b.addEventListener('click', () => ask(send, shown || label));
    return b;
  }

  function reply(r) {
    keepSession(r.session_id);
    const m = el('div', { class: 'msg bot', 'data-status': r.status, 'data-reason': r.reason });
    if (r.handoff) {
      m.classList.add('handoff');
      m.append(el('strong', { text: '转人工客服' }), el('div', { class: 'text', text: r.reply }));
    } else if (r.status === 'clarify') {
      const lines = r.reply.split('\n');
      const options = lines.map((l) => l.match(/^(\d+)[.、]\s*(.+)$/)).filter(Boolean);
      m.append(el('div', { class: 'text', text: lines[0] }));
      const choices = el('div', { class: 'choices', role: 'group', 'aria-label': '请选择' },
        ...options.map((o) => actionButton(o[2], o[1], o[2])));
      m.append(choices);
    } else if (r.status === 'answered' && r.answer) {
      const a = r.answer;
      const steps = a.steps || [];
      if (r.reason === 'step' && a.step) {
        const s = steps[a.step - 1];
        m.append(el('div', { class: 'step-no', text: `第 ${a.step} 步（共 ${steps.length} 步）` }));
        m.append(el('div', { class: 'text', text: s ? s.text : r.reply }));
        if (s && s.menu_path && s.menu_path.length) {
          m.append(el('ul', { class: 'path', 'aria-label': '控制台路径' }, ...s.menu_path.map((p) => el('li', { text: p }))));
        }
        const actions = el('div', { class: 'actions' });
        if (a.step > 1) actions.append(actionButton('上一步', '上一步'));
        if (a.step < steps.length) actions.append(actionButton('下一步', '下一步'));
        else actions.append(el('span', { class: 'muted', text: '已是最后一步' }));
        actions.append(el('a', { href: articleHash(a.id), text: '查看全文' }));
        m.append(actions);
      } else {
        m.append(el('div', {}, el('a', { href: articleHash(a.id) }, el('strong', { text: a.title }))));
        const lines = r.reply.split('\n');
        const stop = lines.findIndex((l) => /^操作步骤/.test(l));
        const intro = (stop >= 0 ? lines.slice(0, stop) : lines)
          .filter((l, i) => !(i === 0 && l.trim() === a.title) && !/^详情：/.test(l));
        if (intro.length) m.append(el('div', { class: 'text', text: intro.join('\n') }));
        if (steps.length) {
          const all = stepsList(steps);
          all.hidden = true;
          const toggle = el('button', { type: 'button', 'aria-expanded': 'false', text: '查看全部步骤' });
          toggle.addEventListener('click', () => {
            all.hidden = !all.hidden;
            toggle.setAttribute('aria-expanded', String(!all.hidden));
            toggle.textContent = all.hidden ? '查看全部步骤' : '收起步骤';
          });
          m.append(el('div', { class: 'muted', text: `共 ${steps.length} 个步骤` }),
            el('div', { class: 'actions' }, actionButton('一步一步来', '下一步', '一步一步来'), toggle), all);
        }
      }
    } else {
      m.append(el('div', { class: 'text', text: r.reply }));
    }
    $('chat-log').append(m);
    $('chat-log').scrollTop = $('chat-log').scrollHeight;
  }

  $('chat-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('chat-input');
    const text = input.value;
    input.value = '';
    ask(text);
  });
  $('chat-reset').addEventListener('click', () => {
    keepSession(null);
    $('chat-log').replaceChildren();
    chat.started = false;
    startChat();
    $('chat-input').focus();
  });

  /* ---------- agent view ---------- */

  const agent = { ticket: '', picks: new Map(), response: null, format: 'text', dirty: false };
  const SAMPLE = '您好！\n\n我们是成都锦程数科（订单号 CS2026030188213），上周申请激励时同事操作失误。\n请问自动申请激励这个功能在哪里关闭？我们想改成人工核对后再申请。\n\n另外，伙伴年度返点一般什么时候结算到账？\n\n还有，怎么给客户下发代金券？\n\n辛苦了！\n赵磊 | 成都锦程数科有限公司 财务部\nTel：028-6511 7788';
  const STATUS = { answered: '已解答', ambiguous: '需确认', not_covered: '未覆盖' };

  async function assist() {
    const status = $('assist-status');
    if (!agent.ticket.trim()) {
      status.textContent = '请先粘贴工单内容。';
      return;
    }
    status.textContent = '正在分析工单…';
    const picks = [...agent.picks].map(([question, id]) => ({ question, article_id: id }));
    const res = await post('/api/assist', { ticket: agent.ticket, picks });
    if (!res.ok) {
      status.textContent = `分析失败：${errorText(res)}`;
      return;
    }
    agent.response = res.body;
    const r = res.body;
    const covered = r.questions.filter((q) => q.status !== 'not_covered').length;
    status.textContent = `找到 ${r.questions.length} 个问题，${covered} 个有相关文章${r.more_questions ? `（另有 ${r.more_questions} 个未处理）` : ''}。`;
    renderAssist();
  }

  function ticketView(r) {
    const text = agent.ticket;
    const cls = new Uint8Array(text.length);
    for (const s of r.stripped) cls.fill(1, s.span.start_utf16, s.span.end_utf16);
    for (const q of r.questions) cls.fill(2, q.span.start_utf16, q.span.end_utf16);
    const view = el('div', { class: 'ticket-view', 'aria-label': '工单原文：问题已标出，略去的内容为灰色' });
    let at = 0;
    while (at < text.length) {
      let end = at;
      while (end < text.length && cls[end] === cls[at]) end++;
      const piece = text.slice(at, end);
      view.append(cls[at] === 2 ? el('mark', { text: piece }) : cls[at] === 1 ? el('span', { class: 'noise', text: piece }) : piece);
      at = end;
    }
    return el('details', {}, el('summary', { text: '工单原文（标出的是客户的问题）' }), view);
  }

  function renderAssist() {
    const r = agent.response;
    const box = $('assist-questions');
    box.replaceChildren(...r.questions.map(questionRow), ticketView(r));
    $('assist-out').hidden = false;
    showDraft();
  }

  function questionRow(q) {
    const side = el('div', { class: 'qside' },
      el('span', { class: `state ${q.status}`, text: STATUS[q.status] || q.status }),
      el('span', { class: 'muted', text: `  问题 ${q.n}` }),
      el('p', { class: 'qtext', text: q.question }),
      q.article || q.choices.length ? el('div', { class: 'muted', text: `置信度 ${q.confidence.toFixed(2)}` }) : null);
    const aside = el('div', { class: 'aside' });
    if (q.article) {
      const a = q.article;
      aside.append(el('h3', {}, el('a', { href: articleHash(a.id), text: a.title })));
      if (a.breadcrumb.length) aside.append(el('div', { class: 'muted', text: a.breadcrumb.map((c) => c.name).join(' › ') }));
      if (a.summary) aside.append(el('p', { text: a.summary }));
      if (a.prerequisites.length) aside.append(el('p', { class: 'muted', text: `前提：${a.prerequisites.join('；')}` }));
      if (a.steps.length) aside.append(stepsList(a.steps));
    } else if (q.choices.length) {
      aside.append(el('p', { text: '可能是以下文章之一：' }),
        el('ul', { class: 'refs' }, ...q.choices.map((c) => el('li', {}, el('a', { href: articleHash(c.id), text: c.title })))));
    } else {
      aside.append(el('p', { class: 'muted', text: '帮助中心暂时没有这方面的文章，草稿里写明了会核实后答复。' }));
    }
    const options = [];
    const seen = new Set();
    for (const c of [...q.choices, ...q.candidates]) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      options.push(c);
    }
    if (options.length) {
      const id = `swap-${q.n}`;
      const select = el('select', { id, 'data-question': q.n });
      select.append(el('option', { value: '', text: q.article ? `当前：${q.article.title}` : '选择一篇文章…' }));
      for (const c of options) {
        if (q.article && c.id === q.article.id) continue;
        select.append(el('option', { value: c.id, text: `${c.title}（${c.confidence.toFixed(2)}）` }));
      }
      select.addEventListener('change', () => {
        if (!select.value) return;
        agent.picks.set(q.n, select.value);
        assist();
      });
      aside.append(el('div', { class: 'swap' }, el('label', { for: id, text: q.article ? '换一篇：' : '选一篇：' }), select));
    }
    return el('article', { class: 'qrow', 'data-n': q.n, 'data-status': q.status, 'aria-label': `问题 ${q.n}` }, side, aside);
  }

  function showDraft() {
    const r = agent.response;
    if (!r) return;
    const draft = $('draft');
    const regenerated = agent.dirty;
    draft.value = agent.format === 'markdown' ? r.draft.markdown : r.draft.text;
    agent.dirty = false;
    $('draft-status').textContent = regenerated ? '草稿已按所选文章重写' : '';
    for (const b of document.querySelectorAll('.switch button')) {
      b.setAttribute('aria-pressed', b.dataset.format === agent.format ? 'true' : 'false');
    }
  }

  $('ticket-form').addEventListener('submit', (e) => {
    e.preventDefault();
    agent.ticket = $('ticket').value;
    agent.picks = new Map();
    assist();
  });
  $('ticket').addEventListener('input', () => {
    const n = $('ticket').value.length;
    $('ticket-count').textContent = n ? `${n} 字` : '';
  });
  $('ticket-sample').addEventListener('click', () => {
    $('ticket').value = SAMPLE;
    $('ticket').dispatchEvent(new Event('input'));
    $('ticket').focus();
  });
  $('draft').addEventListener('input', () => { agent.dirty = true; });
  for (const b of document.querySelectorAll('.switch button')) {
    b.addEventListener('click', () => {
      agent.format = b.dataset.format;
      showDraft();
    });
  }
  $('draft-copy').addEventListener('click', async () => {
    const draft = $('draft');
    const status = $('draft-status');
    try {
      await navigator.clipboard.writeText(draft.value);
      status.textContent = '已复制到剪贴板';
    } catch (err) {
      draft.focus();
      draft.select();
      let ok = false;
      try {
        ok = document.execCommand('copy');
      } catch (e) {
        ok = false;
      }
      status.textContent = ok ? '已复制到剪贴板' : '已选中草稿，请按 Ctrl+C 复制';
    }
  });

  /* ---------- start ---------- */

  const search = $('search');
  search.addEventListener('wenda-open', (e) => {
    e.preventDefault();
    lastQuery = e.detail.query || lastQuery;
    search.collapse();
    location.hash = articleHash(e.detail.id);
  });
  search.addEventListener('wenda-results', (e) => { lastQuery = e.detail.query; });

  if (location.pathname.startsWith('/articles/')) {
    // Article links (/articles/ID, as in assist drafts) open in the page.
    const id = location.pathname.slice('/articles/'.length).split('/').map(decode).join('/');
    history.replaceState(null, '', `/${articleHash(id)}`);
  }
  window.addEventListener('hashchange', route);
  loadTopics();
  route();
})();
