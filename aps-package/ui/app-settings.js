// Provider control panel: the instance's settings, with "Test OX connection".
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', 'aps/_', './lib/settings-form', './lib/operations'],
function (declare, View, xhr, _, form, ops) {
  'use strict';
  var LABELS = {
    oxSoapUrl: _('OX SOAP URL'), oxPublicUrl: _('OX public URL'), productPath: _('UI path'), loginClient: _('Login client'),
    masterLogin: _('Master admin'), masterPassword: _('New master password'), contextAdminAccess: _('Context admin access combination'),
    defaultQuotaMb: _('Default quota (MB)'), defaultTimezone: _('Default time zone'), defaultLanguage: _('Default language'),
    imapServer: _('IMAP server'), smtpServer: _('SMTP server'), mobilityMode: _('Mobility'),
  };
  var FIELDS = Object.keys(LABELS);
  return declare(View, {
    init: function () {
      var self = this;
      return ['aps/Form', { id: this.genId('form') }, [['aps/FieldSet', { title: _('OX installation') }, FIELDS.map(function (k) {
        return [k === 'masterPassword' ? 'aps/Password' : 'aps/TextBox', { id: self.genId(k), label: LABELS[k] }];
      }).concat([
        ['aps/Button', { id: this.genId('openOx'), label: _('Open OX'), onClick: this.openOx.bind(this) }],
        ['aps/Button', { id: this.genId('test'), label: _('Test OX connection'), onClick: this.test.bind(this) }],
        ['aps/Output', { id: this.genId('result'), label: _('Result') }],
      ])]]];
    },
    onContext: function () {
      var self = this;
      this.app = aps.context.vars.app;
      FIELDS.forEach(function (k) { if (k !== 'masterPassword') self.byId(k).set('value', self.app[k] == null ? '' : String(self.app[k])); });
      aps.apsc.hideLoading();
    },
    openOx: function () {
      var button = this.byId('openOx');
      return ops.call(xhr, this.app.aps.id, 'publicUrl').then(function (r) {
        window.open(r.url, '_blank', 'noopener');
        button.cancel();
      }, function () { button.cancel(); });
    },
    test: function () {
      var self = this;
      return ops.call(xhr, this.app.aps.id, 'testConnection').then(function (r) {
        self.byId('result').set('value', (r.ok ? _('OK') : _('Failed')) + ': ' + r.message + ' (' + r.latencyMs + ' ms)');
        self.byId('test').cancel();
      }, function (err) {
        self.byId('result').set('value', _('Failed') + ': ' + (err.message || err));
        self.byId('test').cancel();
      });
    },
    onSubmit: function () {
      var self = this;
      var input = {};
      FIELDS.forEach(function (k) { input[k] = self.byId(k).get('value'); });
      var errors = form.validate(input, _);
      var first = Object.keys(errors)[0];
      if (first) {
        aps.apsc.displayMessage(errors[first]);
        return aps.apsc.cancelProcessing();
      }
      return xhr('/aps/2/resources/' + this.app.aps.id, { method: 'PUT', data: JSON.stringify(form.toResource(input, this.app)), handleAs: 'json' })
        .then(function () { aps.apsc.displayMessage(_('Saved'), 'info'); aps.apsc.cancelProcessing(); },
          function (err) { aps.apsc.displayMessage(err.message || String(err)); aps.apsc.cancelProcessing(); });
    },
  });
});
