// Customer control panel: create or edit a mailbox (profile choice, mobility add-on).
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', 'aps/_', './lib/mailbox-form'],
function (declare, View, xhr, _, form) {
  'use strict';
  return declare(View, {
    init: function () {
      return ['aps/Form', { id: this.genId('form') }, [['aps/FieldSet', { title: _('Mailbox') }, [
        ['aps/TextBox', { id: this.genId('login'), label: _('Login'), required: true }],
        ['aps/TextBox', { id: this.genId('email'), label: _('E-mail address'), required: true }],
        ['aps/TextBox', { id: this.genId('displayName'), label: _('Display name'), required: true }],
        ['aps/TextBox', { id: this.genId('givenName'), label: _('Given name') }],
        ['aps/TextBox', { id: this.genId('familyName'), label: _('Family name') }],
        ['aps/Password', { id: this.genId('password'), label: _('Password'), showStrengthIndicator: true }],
        ['aps/Select', { id: this.genId('profileId'), label: _('Profile'), options: [] }],
        ['aps/CheckBox', { id: this.genId('mobility'), label: _('Mobility (ActiveSync)') }],
      ]]]];
    },
    onContext: function () {
      var self = this;
      this.profiles = aps.context.vars.profiles || [];
      this.byId('profileId').set('options', this.profiles.map(function (p) { return { value: p.aps.id, label: p.title }; }));
      self.mailbox = aps.context.vars.mailbox;
      if (self.mailbox) ['login', 'email', 'displayName', 'givenName', 'familyName'].forEach(function (k) { self.byId(k).set('value', self.mailbox[k] || ''); });
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var self = this;
      var input = {};
      ['login', 'email', 'displayName', 'givenName', 'familyName', 'password', 'profileId'].forEach(function (k) { input[k] = self.byId(k).get('value'); });
      var errors = form.validate(input, this.profiles, _);
      var first = Object.keys(errors)[0];
      if (first) {
        aps.apsc.displayMessage(errors[first]);
        return aps.apsc.cancelProcessing();
      }
      var ctx = aps.context.vars.context.aps.id;
      var body = form.toResource(input, ctx, aps.context.vars.user && aps.context.vars.user.aps.id);
      var req = self.mailbox
        ? xhr('/aps/2/resources/' + self.mailbox.aps.id, { method: 'PUT', data: JSON.stringify(body), handleAs: 'json' })
        : xhr('/aps/2/resources/' + ctx + '/mailboxes', { method: 'POST', data: JSON.stringify(body), handleAs: 'json' });
      return req.then(function () { aps.apsc.gotoView('mailbox-list'); }, function (err) {
        aps.apsc.displayMessage(err.message || String(err));
        aps.apsc.cancelProcessing();
      });
    },
    onCancel: function () { aps.apsc.gotoView('mailbox-list'); },
  });
});
