// The panel stand-in's runtime (module aps/_standIn): the documented aps/* API of UX1 and the
// classic CP, and nothing else. Every undocumented property, method, widget option or call shape
// throws, and is reported to the test's panel server, so a view that works here uses only what
// ../shared/spec/ux1.md documents.
define(['dojo/_base/declare'], function (declare) {
  'use strict';

  var state;
  var loading = false;
  var registry = new Map();
  var viewIds = new WeakMap();
  var viewCache = {};
  var containers = {};
  var current;
  var translations = {};

  function post(path, body) {
    return fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json(); });
  }

  function fail(message) {
    void post('/panel/error', { message: message });
    throw new Error('panel stand-in: ' + message);
  }

  window.addEventListener('error', function (e) { void post('/panel/error', { message: 'uncaught: ' + e.message }); });
  window.addEventListener('unhandledrejection', function (e) {
    void post('/panel/error', { message: 'unhandled rejection: ' + (e.reason && e.reason.message || e.reason) });
  });

  /** An object that throws when code reads a property the documentation does not list. */
  function strict(name, target, writable) {
    return new Proxy(target, {
      get: function (t, key) {
        if (typeof key === 'symbol' || key === 'then' || key === 'toJSON') return t[key];
        if (!(key in t)) fail(name + '.' + key + ' is not documented');
        return t[key];
      },
      set: function (t, key, value) {
        if ((writable || []).indexOf(key) < 0) fail(name + '.' + key + ' cannot be set');
        t[key] = value;
        return true;
      },
    });
  }

  function onlyKeys(what, obj, allowed) {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) fail(what + ' takes one object');
    Object.keys(obj).forEach(function (k) { if (allowed.indexOf(k) < 0) fail(what + ' has no option "' + k + '"'); });
  }

  // ---- translations -----------------------------------------------------------------------
  function translate(text, params) {
    if (typeof text !== 'string') fail('_() takes a string');
    var out = translations[text];
    if (out === undefined) {
      if (state && state.locale !== 'en_US') void post('/panel/error', { message: 'untranslated in ' + state.locale + ': ' + text });
      out = text;
    }
    Object.keys(params || {}).forEach(function (k) { out = out.split('__' + k + '__').join(String(params[k])); });
    return out;
  }

  // The global _ translates with the application the page belongs to: inside a view-plug-in that
  // is the host, which has none of our texts [ux1 §16.3].
  window._ = function (text, params, packageId) {
    if (state && state.kind === 'plugin' && packageId !== window.panelStandInPackageId)
      void post('/panel/error', { message: 'a view-plug-in translates with the host\'s _(): bind _ to the package: ' + text });
    return translate(text, params);
  };

  var i18n = {
    bindToPackage: function (packageId) {
      if (packageId !== window.panelStandInPackageId) fail('aps/i18n.bindToPackage: ' + packageId + ' is not this package (' + window.panelStandInPackageId + ')');
      return function (text, params) { return translate(text, params); };
    },
  };

  var common = {
    getPackageId: function (module) {
      if (!module || typeof module.uri !== 'string' || typeof module.id !== 'string') fail('aps/common.getPackageId takes the AMD module');
      if (module.uri.indexOf('/package/') < 0) fail('aps/common.getPackageId: ' + module.uri + ' is not a file of the package');
      return window.panelStandInPackageId;
    },
  };

  // ---- REST ---------------------------------------------------------------------------------
  function request(url, opts) {
    var headers = { accept: 'application/json' };
    if (opts.data !== undefined) headers['content-type'] = 'application/json';
    if (aps.context.subscriptionId) headers['APS-Subscription-ID'] = aps.context.subscriptionId;
    Object.keys(opts.headers || {}).forEach(function (k) { headers[k] = opts.headers[k]; });
    return fetch(url, { method: opts.method || 'GET', headers: headers, body: opts.data }).then(function (res) {
      return res.text().then(function (text) {
        if (!res.ok) {
          var err = new Error('HTTP ' + res.status);
          err.response = { status: res.status, data: text };
          throw err;
        }
        return opts.handleAs === 'json' && text ? JSON.parse(text) : text;
      });
    });
  }

  function xhr(url, opts) {
    if (typeof url !== 'string') fail('aps/xhr takes a URL string');
    onlyKeys('aps/xhr options', opts || {}, ['method', 'handleAs', 'data', 'headers', 'query', 'timeout']);
    return request(url, opts || {});
  }

  function ResourceStore(props) {
    onlyKeys('aps/ResourceStore', props, ['target', 'apsType', 'baseQuery', 'idProperty']);
    if (typeof props.target !== 'string') fail('aps/ResourceStore needs a target');
    Object.keys(props).forEach(function (k) { this[k] = props[k]; }, this);
    Object.freeze(this);
  }
  ResourceStore.prototype.query = function () {
    var q = this.target === '/aps/2/resources' && this.apsType ? ['implementing(' + this.apsType + ')'] : [];
    if (this.baseQuery) q.push(this.baseQuery);
    return request(this.target + (q.length ? '?' + q.join(',') : ''), { handleAs: 'json' });
  };
  ResourceStore.prototype.get = function (id) {
    return request('/aps/2/resources/' + id, { handleAs: 'json' });
  };
  ResourceStore.prototype.put = function (object) {
    var id = object && object.aps && object.aps.id;
    return request(id ? '/aps/2/resources/' + id : this.target, { method: id ? 'PUT' : 'POST', data: JSON.stringify(object), handleAs: 'json' });
  };
  ResourceStore.prototype.add = function (object) {
    return request(this.target, { method: 'POST', data: JSON.stringify(object), handleAs: 'json' });
  };
  ResourceStore.prototype.remove = function (id) {
    return request('/aps/2/resources/' + id, { method: 'DELETE' });
  };

  // ---- widgets --------------------------------------------------------------------------------
  var COMMON = ['id', 'label', 'visible', 'disabled', 'description', 'hint', 'gridSize', 'required'];
  var WIDGETS = {
    PageContainer: { own: [], container: true },
    Panel: { own: ['title'], container: true },
    FieldSet: { own: ['title'], container: true },
    Tiles: { own: ['title'], container: true },
    Tile: { own: ['title', 'iconName', 'footer'], container: true },
    Toolbar: { own: [], container: true },
    TextBox: { own: ['value', 'placeHolder', 'readOnly', 'size'], input: 'text' },
    Password: { own: ['value', 'showStrengthIndicator'], input: 'password' },
    Select: { own: ['value', 'options', 'onChange'] },
    CheckBox: { own: ['checked', 'value', 'onChange'] },
    Output: { own: ['value', 'content'] },
    Button: { own: ['onClick', 'iconClass', 'type', 'timeout'], button: true },
    ToolbarButton: { own: ['onClick', 'iconClass', 'requireItems'], button: true },
    Grid: { own: ['store', 'columns', 'apsResourceViewId', 'selectionMode', 'noDataText', 'showPaging'] },
  };
  var COLUMN_KEYS = ['field', 'name', 'type', 'filter', 'renderCell', 'sortable', 'width'];
  var autoId = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function pick(obj, path) {
    return path.split('.').reduce(function (o, k) { return o == null ? undefined : o[k]; }, obj);
  }

  function Widget(kind, props) {
    var spec = WIDGETS[kind];
    var allowed = COMMON.concat(spec.own);
    Object.keys(props || {}).forEach(function (k) { if (allowed.indexOf(k) < 0) fail('aps/' + kind + ' has no property "' + k + '"'); });
    this.kind = kind;
    this.props = Object.assign({}, props);
    this.children = [];
    this.id = this.props.id || 'widget_' + (++autoId);
    if (registry.has(this.id)) fail('widget id ' + this.id + ' is used twice (ids are application-wide)');
    registry.set(this.id, this);
    if (kind === 'Grid') (this.props.columns || []).forEach(function (c) { onlyKeys('an aps/Grid column', c, COLUMN_KEYS); });
    this.render();
  }

  Widget.prototype.render = function () {
    var w = this;
    var p = w.props;
    var node = w.domNode = el('div', 'w w-' + w.kind);
    node.setAttribute('data-widget-id', w.id);
    if (p.title && WIDGETS[w.kind].container) node.appendChild(el('h3', 'title', p.title));
    if (p.label && !WIDGETS[w.kind].button) node.appendChild(el('label', 'label', p.label));
    if (WIDGETS[w.kind].input) {
      w.field = el('input');
      w.field.type = WIDGETS[w.kind].input;
      w.field.addEventListener('input', function () { w.props.value = w.field.value; });
    } else if (w.kind === 'Select') {
      w.field = el('select');
      w.field.addEventListener('change', function () { w.props.value = w.field.value; if (p.onChange) p.onChange.call(w, w.field.value); });
    } else if (w.kind === 'CheckBox') {
      w.field = el('input');
      w.field.type = 'checkbox';
      w.field.addEventListener('change', function () { w.props.checked = w.field.checked; if (p.onChange) p.onChange.call(w, w.field.checked); });
    } else if (w.kind === 'Output') w.field = el('span', 'value');
    else if (WIDGETS[w.kind].button) {
      w.field = el('button', 'button', p.label);
      w.field.addEventListener('click', function () {
        if (w.busy || w.field.disabled) return;
        w.busy = true;
        w.field.classList.add('busy');
        if (p.onClick) p.onClick.call(w);
      });
    } else if (w.kind === 'Grid') {
      w.bar = el('div', 'toolbar');
      w.table = el('table', 'grid');
      node.appendChild(w.bar);
      w.field = w.table;
      w.selected = [];
    }
    if (w.field) node.appendChild(w.field);
    w.sync();
  };

  Widget.prototype.sync = function () {
    var w = this;
    var p = w.props;
    w.domNode.style.display = p.visible === false ? 'none' : '';
    if (WIDGETS[w.kind].input) w.field.value = p.value == null ? '' : p.value;
    if (w.kind === 'Select') {
      w.field.innerHTML = '';
      (p.options || []).forEach(function (o) {
        var opt = el('option', '', o.label);
        opt.value = o.value;
        w.field.appendChild(opt);
      });
      w.field.value = p.value == null ? '' : p.value;
      if (w.field.value !== String(p.value == null ? '' : p.value) && (p.options || []).length) p.value = w.field.value;
    }
    if (w.kind === 'CheckBox') w.field.checked = Boolean(p.checked);
    if (w.kind === 'Output') w.field.textContent = p.value == null ? (p.content || '') : String(p.value);
    if (w.field && 'disabled' in w.field) w.field.disabled = Boolean(p.disabled) || (p.requireItems === true && !w.gridSelection());
    if (w.kind === 'Grid') w.refresh();
  };

  Widget.prototype.set = function (name, value) {
    var w = this;
    if (typeof name === 'object') {
      Object.keys(name).forEach(function (k) { w.set(k, name[k]); });
      return;
    }
    if (COMMON.concat(WIDGETS[w.kind].own).indexOf(name) < 0) fail('aps/' + w.kind + ' has no property "' + name + '"');
    var before = w.props.value;
    w.props[name] = value;
    if (name === 'title' && WIDGETS[w.kind].container) {
      var h = w.domNode.querySelector(':scope > h3.title');
      if (h) h.textContent = value;
      else w.domNode.insertBefore(el('h3', 'title', value), w.domNode.firstChild);
    }
    w.sync();
    if (w.kind === 'Select' && name === 'value' && before !== w.props.value && w.props.onChange) w.props.onChange.call(w, w.props.value);
  };

  Widget.prototype.get = function (name) {
    if (this.kind === 'Grid' && name === 'selectionArray') return this.selected.slice();
    if (COMMON.concat(WIDGETS[this.kind].own).indexOf(name) < 0) fail('aps/' + this.kind + ' has no property "' + name + '"');
    return this.props[name];
  };

  Widget.prototype.addChild = function (child) {
    if (!WIDGETS[this.kind].container && this.kind !== 'Grid') fail('aps/' + this.kind + ' holds no children');
    child.parent = this;
    this.children.push(child);
    (this.kind === 'Grid' ? this.bar : this.domNode).appendChild(child.domNode);
  };

  Widget.prototype.cancel = function () {
    if (!WIDGETS[this.kind].button) fail('aps/' + this.kind + ' has no cancel()');
    this.busy = false;
    this.field.classList.remove('busy');
  };

  Widget.prototype.startup = function () {};

  Widget.prototype.gridSelection = function () {
    for (var p = this.parent; p; p = p.parent) if (p.kind === 'Grid') return p.selected.length > 0;
    return false;
  };

  Widget.prototype.refresh = function () {
    var w = this;
    if (w.kind !== 'Grid') fail('aps/' + w.kind + ' has no refresh()');
    var store = w.props.store;
    if (!store) return;
    if (!(store instanceof ResourceStore)) fail('aps/Grid takes an aps/ResourceStore');
    var generation = w.generation = (w.generation || 0) + 1;
    store.query().then(function (rows) {
      if (generation !== w.generation) return;
      w.selected = [];
      w.table.innerHTML = '';
      var head = el('tr');
      if (w.props.selectionMode) head.appendChild(el('th', '', ''));
      w.props.columns.forEach(function (c) { head.appendChild(el('th', '', c.name)); });
      w.table.appendChild(head);
      rows.forEach(function (row) { w.table.appendChild(w.row(row)); });
      w.table.setAttribute('data-rows', String(rows.length));
      w.children.forEach(function (b) { b.children.forEach(function (x) { x.sync(); }); });
    });
  };

  Widget.prototype.row = function (row) {
    var w = this;
    var tr = el('tr');
    tr.setAttribute('data-id', row.aps.id);
    if (w.props.selectionMode) {
      var box = el('input', 'select');
      box.type = 'checkbox';
      box.addEventListener('change', function () {
        if (w.props.selectionMode === 'single') w.selected = box.checked ? [row.aps.id] : [];
        else w.selected = box.checked ? w.selected.concat([row.aps.id]) : w.selected.filter(function (x) { return x !== row.aps.id; });
        w.table.querySelectorAll('input.select').forEach(function (b) { if (b !== box && w.props.selectionMode === 'single') b.checked = false; });
        w.children.forEach(function (bar) { bar.children.forEach(function (x) { x.sync(); }); });
      });
      var td = el('td');
      td.appendChild(box);
      tr.appendChild(td);
    }
    w.props.columns.forEach(function (c) {
      var value = pick(row, c.field);
      var shown = c.renderCell ? c.renderCell(row, value) : value;
      var cell = el('td');
      if (c.type === 'resourceName') {
        var a = el('a', 'resource-name', shown == null ? '' : String(shown));
        a.href = '#';
        a.addEventListener('click', function (e) { e.preventDefault(); aps.apsc.gotoView(w.props.apsResourceViewId, row.aps.id); });
        cell.appendChild(a);
      } else if (shown && shown.nodeType) cell.appendChild(shown);
      else cell.textContent = shown == null ? '' : String(shown);
      tr.appendChild(cell);
    });
    return tr;
  };

  function widgetClass(kind) {
    var Cls = function (props) { Widget.call(this, kind, props); };
    Cls.prototype = Object.create(Widget.prototype);
    return Cls;
  }

  /** ["aps/X", {props}, [children]] (props may be left out) → the widget tree. */
  function build(spec) {
    if (!Array.isArray(spec) || typeof spec[0] !== 'string') fail('a widget tree is ["aps/Widget", {props}, [children]]');
    var kind = spec[0].replace(/^aps\//, '');
    if (!WIDGETS[kind]) fail('unknown widget ' + spec[0]);
    var props = Array.isArray(spec[1]) ? {} : spec[1] || {};
    var kids = Array.isArray(spec[1]) ? spec[1] : spec[2] || [];
    var w = new (widgetClass(kind))(props);
    kids.forEach(function (k) { w.addChild(build(k)); });
    return w;
  }

  function widgetTypes(spec, out) {
    if (!Array.isArray(spec)) return out;
    out.push(spec[0]);
    (Array.isArray(spec[1]) ? spec[1] : spec[2] || []).forEach(function (k) { widgetTypes(k, out); });
    return out;
  }

  function buildLoaded(spec) {
    return new Promise(function (resolve, reject) {
      require(widgetTypes(spec, []), function () {
        try { resolve(build(spec)); } catch (e) { reject(e); }
      });
    });
  }

  // ---- views ------------------------------------------------------------------------------------
  var ViewBase = {
    genId: function (id) { return viewIds.get(this) + '_' + id; },
    byId: function (id) {
      var w = registry.get(viewIds.get(this) + '_' + id);
      if (!w) fail('no widget ' + id + ' in view ' + viewIds.get(this));
      return w;
    },
  };
  var View = declare(null, ViewBase);
  var ViewPlugin = declare(null, ViewBase);

  function ownState(view) {
    Object.keys(view).forEach(function (k) { fail('view ' + viewIds.get(view) + ' keeps state as a custom property: ' + k); });
  }

  // ---- the panel --------------------------------------------------------------------------------
  var shell = {};
  var messages = [];

  function showMessages() {
    shell.messages.innerHTML = '';
    messages.forEach(function (m) { shell.messages.appendChild(el('div', 'message message-' + m.type, m.description)); });
  }

  var apsc = {
    gotoView: function (viewId, resourceId, params) {
      if (typeof viewId !== 'string') fail('gotoView(viewId[, resourceId[, params]]) takes a view id string');
      if (resourceId != null && typeof resourceId !== 'string') fail('gotoView: the resource id is a string');
      if (params !== undefined && (typeof params !== 'object' || params === null)) fail('gotoView: params is an object');
      if (arguments.length > 3) fail('gotoView takes at most three arguments');
      if (current && current.onHide) current.onHide();
      return post('/panel/goto', { viewId: viewId, resourceId: resourceId, params: params }).then(function (next) {
        if (next.error) fail(next.error);
        if (next.kind === 'cp' || state.kind === 'cp') window.location.href = next.url;
        else show(next);
      });
    },
    showPopup: function (options) { onlyKeys('showPopup', options, ['viewId', 'resourceId', 'modal']); fail('popups are not used by this package'); },
    buttonState: function (control, props) {
      if (['cancel', 'submit'].indexOf(control) < 0) fail('buttonState: control is "cancel" or "submit"');
      onlyKeys('buttonState', props, ['label', 'visible', 'disabled']);
    },
    cancelProcessing: function () {
      if (arguments.length) fail('cancelProcessing takes no argument');
      shell.controls.querySelectorAll('button').forEach(function (b) { b.classList.remove('busy'); });
    },
    showLoading: function () { loading = true; },
    hideLoading: function () { loading = false; },
    displayMessage: function (message) {
      if (arguments.length !== 1) fail('displayMessage takes one object {id, description, type}');
      onlyKeys('displayMessage', message, ['id', 'description', 'type']);
      if (typeof message.description !== 'string') fail('displayMessage: description is a string');
      messages.push({ id: message.id, description: message.description, type: message.type || 'error' });
      void post('/panel/message', message);
      showMessages();
    },
    removeMessage: function (id) { messages = messages.filter(function (m) { return m.id !== id; }); showMessages(); },
    removeAllMessages: function () { messages = []; showMessages(); },
    next: function () { void post('/panel/next', {}); },
    prev: function () { void post('/panel/prev', {}); },
    externalHttpRequest: function (options) { onlyKeys('externalHttpRequest', options, ['method', 'url', 'data', 'headers']); },
  };

  function contextOf(s) {
    var vars = strict('aps.context.vars (view ' + s.viewId + ')', Object.assign({}, s.vars));
    return strict('aps.context', {
      vars: vars, params: s.params || {}, subscriptionId: s.subscription, viewId: s.viewId, baseUrl: '/package/ui',
      wizardState: undefined, wizardData: undefined, bs: true,
    }, ['subscriptionId', 'wizardState', 'wizardData']);
  }

  function biz(s) {
    return strict('aps.biz', {
      getResourcesToBind: function () { return Promise.resolve({ users: s.wizardUsers || [] }); },
      requestUsageChange: function (change) {
        onlyKeys('requestUsageChange', change, ['deltas', 'operations', 'subscriptionId']);
        (change.deltas || []).forEach(function (d) { onlyKeys('a delta', d, ['apsType', 'delta']); });
        (change.operations || []).forEach(function (o) { onlyKeys('an operation', o, ['provision', 'configure', 'unprovision']); });
        return post('/panel/biz', change);
      },
    });
  }

  function renderControls(s, handlers) {
    shell.controls.innerHTML = '';
    s.controls.forEach(function (control) {
      var b = el('button', 'control', control);
      b.setAttribute('data-control', control);
      b.addEventListener('click', function () {
        if (b.classList.contains('busy')) return;
        b.classList.add('busy');
        var handler = handlers(control);
        if (!handler) fail('the view has no handler for its ' + control + ' control');
        handler();
      });
      shell.controls.appendChild(b);
    });
  }

  function settle(s, result) {
    var started = Date.now();
    return Promise.resolve(result).then(function wait() {
      if (!loading) return undefined;
      if (Date.now() - started > 3000) fail('view ' + s.viewId + ': onContext never called aps.apsc.hideLoading()');
      return new Promise(function (r) { setTimeout(r, 20); }).then(wait);
    });
  }

  function attach(s, widget) {
    Object.keys(containers).forEach(function (id) { containers[id].style.display = 'none'; });
    if (!containers[s.viewId]) {
      containers[s.viewId] = el('div', 'view');
      containers[s.viewId].setAttribute('data-view', s.viewId);
      containers[s.viewId].appendChild(widget.domNode);
      shell.frame.appendChild(containers[s.viewId]);
    }
    containers[s.viewId].style.display = '';
  }

  function done(s) {
    document.body.setAttribute('data-shown', s.viewId);
    void post('/panel/shown', { viewId: s.viewId });
  }

  var MEDIATOR = ['getWidget', 'setServiceData', 'getServicesList', 'getState'];
  var USER_STATES = ['Assigned', 'Not Assigned', 'Updating', 'Deleting'];

  function pluginInstance(s, Cls, instanceId) {
    var plugin = new Cls();
    viewIds.set(plugin, instanceId);
    var mediator = strict('mediator', {}, MEDIATOR);
    plugin.init(mediator);
    return { plugin: plugin, mediator: mediator };
  }

  /** The User Manager's list: one column per title, a cell per user from getState. */
  function usersList(s, mediator) {
    var titles = [].concat(mediator.getServicesList());
    var states = mediator.getState(s.usersData);
    var table = el('table', 'users');
    var head = el('tr');
    head.appendChild(el('th', '', 'User'));
    titles.forEach(function (t) { if (typeof t !== 'string') fail('getServicesList returns a title or titles'); head.appendChild(el('th', '', t)); });
    table.appendChild(head);
    s.usersData.forEach(function (u) {
      var tr = el('tr');
      tr.setAttribute('data-user', u.aps.id);
      tr.appendChild(el('td', '', u.displayName || u.login));
      (states[u.aps.id] || []).forEach(function (st) {
        onlyKeys('a user state', st, ['status', 'title', 'widget', 'gridWidget']);
        if (USER_STATES.indexOf(st.status) < 0) fail('a user state\'s status is one of ' + USER_STATES.join(', ') + ': ' + st.status);
        var td = el('td');
        td.setAttribute('data-status', st.status);
        if (st.gridWidget) td.appendChild(st.gridWidget.domNode);
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    return { domNode: table };
  }

  function showPlugin(s, Cls) {
    if (!(Cls.prototype instanceof ViewPlugin)) fail(s.file + ' is not declare(ViewPlugin, {...})');
    var box = el('div', 'plugins');
    // In MSS the panel repeats a tile per subscription, each with its own vars [ux1 §16.1].
    var instances = s.instances || [{ vars: s.vars }];
    instances.forEach(function (inst, i) {
      var made = pluginInstance(s, Cls, instances.length > 1 ? s.viewId + (i + 1) : s.viewId);
      var widget;
      if (/ccp-users#userInfo$/.test(s.placeholder)) widget = made.mediator.setServiceData(s.userData);
      else if (/ccp-users#usersview$/.test(s.placeholder)) widget = usersList(s, made.mediator);
      else {
        // MSS gives each repeated plug-in its subscription (apsSubscriptionID) [ux1 §16.1].
        var context = strict('a plug-in\'s context', { vars: strict('a plug-in\'s vars', Object.assign({}, inst.vars)), apsSubscriptionID: inst.subscription });
        if (made.plugin.onContext) made.plugin.onContext(context);
        widget = made.mediator.getWidget();
      }
      if (!widget || !widget.domNode) fail(s.file + ' gave the panel no widget');
      var slot = el('div', 'plugin');
      if (inst.subscription) slot.setAttribute('data-subscription', inst.subscription);
      slot.appendChild(widget.domNode);
      box.appendChild(slot);
      ownState(made.plugin);
    });
    attach(s, { domNode: box });
    done(s);
  }

  function show(s) {
    state = s;
    window.aps.context = contextOf(s);
    window.aps.biz = s.biz ? biz(s) : undefined;
    renderControls(s, function (control) {
      var wizard = /\/suwizard\.new\/2$/.test(s.placeholder);
      if (wizard && control === 'cancel') return function () { void post('/panel/cancel', {}); };
      var name = { submit: 'onSubmit', cancel: 'onCancel', next: 'onNext', prev: 'onPrev' }[control];
      var own = current && current[name] && current[name].bind(current);
      if (wizard && control === 'prev' && !own) return function () { void post('/panel/prev', {}); };
      return own;
    });
    require([s.module], function (Cls) {
      if (s.kind === 'plugin') return showPlugin(s, Cls);
      if (!(Cls.prototype instanceof View)) fail(s.file + ' is not declare(View, {...})');
      var view = viewCache[s.viewId];
      var ready = Promise.resolve();
      if (!view) {
        view = viewCache[s.viewId] = new Cls();
        viewIds.set(view, s.viewId);
        var tree = view.init();
        if (!Array.isArray(tree)) fail('view ' + s.viewId + ': init must return the widget tree, synchronously');
        ready = buildLoaded(tree).then(function (w) { attach(s, w); });
      }
      ready.then(function () {
        attach(s, null);
        current = view;
        loading = true;
        return settle(s, view.onContext());
      }).then(function () {
        if (view.onShow) view.onShow();
        ownState(view);
        done(s);
      }).then(undefined, function (e) { void post('/panel/error', { message: 'view ' + s.viewId + ': ' + (e && e.message || e) }); });
    });
  }

  function makeShell(root) {
    shell.messages = el('div', 'messages');
    shell.controls = el('div', 'controls');
    shell.frame = el('div', 'frame');
    [shell.messages, shell.frame, shell.controls].forEach(function (n) { root.appendChild(n); });
  }

  window.aps = {
    apsc: strict('aps.apsc', apsc),
    app: strict('aps.app', {}, ['onSubmit', 'onCancel']),
  };

  function fetchState() {
    return fetch('/panel/state').then(function (r) { return r.json(); }).then(function (s) {
      state = s;
      return fetch('/package/i18n/' + s.locale + '.json').then(function (r) { return r.json(); }).then(function (t) {
        translations = t;
        window.aps.context = contextOf(s);
        window.aps.biz = s.biz ? biz(s) : undefined;
        return s;
      });
    });
  }

  /** aps/load: UX1 bootstrap (["aps/PageContainer"], "aps-frame") or a classic page's widget tree. */
  function load(spec, domId) {
    if (typeof domId === 'string') {
      var frame = document.getElementById(domId);
      if (!frame) fail('aps/load: no element #' + domId);
      makeShell(frame);
      show(state);
      return Promise.resolve();
    }
    makeShell(document.body);
    renderControls(state, function (control) {
      var handler = control === 'submit' ? window.aps.app.onSubmit : control === 'cancel' ? window.aps.app.onCancel : undefined;
      return handler;
    });
    return buildLoaded(spec).then(function (w) {
      attach(state, w);
      done(state);
      return w;
    });
  }

  var modules = {
    i18n: i18n,
    common: common,
    View: View,
    'nav/ViewPlugin': ViewPlugin,
    ResourceStore: ResourceStore,
    xhr: xhr,
    load: load,
    ready: { load: function (id, req, loaded) { fetchState().then(function () { loaded(true); }); } },
    'dijit/registry': { byId: function (id) { return registry.get(id); } },
  };
  Object.keys(WIDGETS).forEach(function (k) { modules[k] = widgetClass(k); });

  return {
    module: function (name) {
      if (!(name in modules)) fail('aps/' + name + ' is not a documented module');
      return modules[name];
    },
    names: Object.keys(modules),
  };
});
