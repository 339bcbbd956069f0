// Classic provider CP page: the instance's settings, "Test OX connection" and "Open OX".
define(['aps/load', 'aps/ResourceStore', 'aps/xhr', 'dijit/registry', '../lib/messages', '../lib/operations', '../lib/settings-form',
  '../lib/types'],
function (load, ResourceStore, xhr, registry, messages, ops, form, types) {
  'use strict';
  var WIDGET = { text: 'aps/TextBox', number: 'aps/TextBox', password: 'aps/Password', check: 'aps/CheckBox', select: 'aps/Select' };

  function widget(field, app) {
    var key = field[0];
    var kind = field[1];
    var props = { id: 'set_' + key, label: field[2] };
    if (kind === 'check') props.checked = app[key] === true;
    else if (kind === 'select') {
      props.options = field[3].map(function (o) { return { value: o[0], label: o[1] }; });
      // A setting not stored yet shows the schema's default: the first option.
      props.value = app[key] == null ? (field[3][0] || [''])[0] : String(app[key]);
    } else if (kind !== 'password') props.value = app[key] == null ? '' : String(app[key]);
    return [WIDGET[kind], props];
  }

  function read() {
    var input = {};
    form.fields().forEach(function (f) {
      var w = registry.byId('set_' + f[0]);
      input[f[0]] = f[1] === 'check' ? Boolean(w.get('checked')) : w.get('value');
    });
    return input;
  }

  /** The time zone list comes from the endpoint (the zones OX knows). */
  function loadTimeZones(app) {
    return ops.call(xhr, app.aps.id, 'timezones').then(function (answer) {
      var select = registry.byId('set_defaultTimezone');
      select.set('options', answer.timezones.map(function (z) { return { value: z, label: z }; }));
      select.set('value', app.defaultTimezone || 'Europe/Berlin');
    });
  }

  function testConnection(app) {
    return function () {
      var button = this;
      ops.call(xhr, app.aps.id, 'testConnection').then(function (r) {
        button.cancel();
        registry.byId('set_result').set('value', (r.ok ? _('OK') : _('Failed')) + ': ' + r.message + ' (' + r.latencyMs + ' ms)');
      }, function (err) {
        button.cancel();
        registry.byId('set_result').set('value', _('Failed') + ': ' + ops.errorText(err));
      });
    };
  }

  function openOx(app) {
    return messages.loginClick(xhr, function () { return app.aps.id; }, 'publicUrl', '');
  }

  function save(app) {
    var input = read();
    if (messages.refused(form.validate(input))) return undefined;
    var body = form.toResource(input, app);
    body.aps = { id: app.aps.id, type: types.APP_ID + '/app/1.0' };
    return new ResourceStore({ target: '/aps/2/resources' }).put(body).then(function () {
      messages.show(_('Saved'), 'info');
      aps.apsc.cancelProcessing();
    }, messages.failed);
  }

  return function start() {
    var app = aps.context.vars.app;
    var fields = form.fields().map(function (f) { return widget(f, app); });
    return load(['aps/PageContainer', { id: 'page' }, [
      ['aps/FieldSet', { id: 'set_fields', title: _('OX installation') }, fields],
      ['aps/FieldSet', { id: 'set_tools', title: _('Connection') }, [
        ['aps/Button', { id: 'set_test', label: _('Test OX connection'), onClick: testConnection(app) }],
        ['aps/Button', { id: 'set_open', label: _('Open OX'), onClick: openOx(app) }],
        ['aps/Output', { id: 'set_result', label: _('Result') }],
      ]],
    ]]).then(function () {
      aps.app.onSubmit = function () { return save(app); };
      return loadTimeZones(app);
    }).then(undefined, function (err) {
      messages.show(_('The time zone list could not be read: ') + ops.errorText(err), 'warning');
    });
  };
});
