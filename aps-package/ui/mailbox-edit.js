// Customer control panel: add a mailbox for one of the account's service users, or edit one.
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', 'aps/_', './lib/mailbox-form'],
function (declare, View, xhr, _, form) {
  'use strict';
  var TEXT_FIELDS = ['login', 'email', 'displayName', 'givenName', 'familyName'];
  return declare(View, {
    init: function () {
      return ['aps/Form', { id: this.genId('form') }, [['aps/FieldSet', { title: _('Mailbox') }, [
        ['aps/Select', { id: this.genId('userId'), label: _('User'), options: [], onChange: this.userChosen.bind(this) }],
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
      this.mailbox = aps.context.vars.mailbox;
      // A new mailbox needs its service user; an existing one keeps the user it was made for.
      this.users = this.mailbox ? undefined : aps.context.vars.users || [];
      this.byId('userId').set('visible', !this.mailbox);
      if (this.users) this.byId('userId').set('options', this.users.map(function (u) { return { value: u.aps.id, label: u.displayName || u.login }; }));
      TEXT_FIELDS.forEach(function (k) { self.byId(k).set('value', (self.mailbox && self.mailbox[k]) || ''); });
      if (this.mailbox && this.mailbox.profile) this.byId('profileId').set('value', this.mailbox.profile.aps.id);
      this.byId('mobility').set('checked', Boolean(this.mobilityId()));
      aps.apsc.hideLoading();
    },
    /** The mailbox's mobility add-on, if it has one. */
    mobilityId: function () {
      var link = this.mailbox && this.mailbox.mobility;
      return link && link.aps && link.aps.id;
    },
    /** Adds or removes the mobility add-on of a saved mailbox as the check box says. */
    saveMobility: function (mailboxId) {
      var wanted = Boolean(this.byId('mobility').get('checked'));
      switch (form.mobilityChange(wanted, Boolean(this.mobilityId()))) {
        case 1: return xhr('/aps/2/resources/' + mailboxId + '/mobility', { method: 'POST', data: JSON.stringify({ aps: { type: 'http://ox-connector.org/aps/mobility/1.0' } }), handleAs: 'json' });
        case -1: return xhr('/aps/2/resources/' + this.mobilityId(), { method: 'DELETE' });
        default: return undefined;
      }
    },
    userChosen: function (userId) {
      var self = this;
      var user = (this.users || []).filter(function (u) { return u.aps.id === userId; })[0];
      var input = {};
      TEXT_FIELDS.forEach(function (k) { input[k] = self.byId(k).get('value'); });
      var filled = form.fromUser(user, input);
      Object.keys(filled).forEach(function (k) { self.byId(k).set('value', filled[k]); });
    },
    onSubmit: function () {
      var self = this;
      var input = {};
      TEXT_FIELDS.concat(['password', 'profileId']).forEach(function (k) { input[k] = self.byId(k).get('value'); });
      if (this.users) input.userId = this.byId('userId').get('value');
      var errors = form.validate(input, this.profiles, _, this.users);
      var first = Object.keys(errors)[0];
      if (first) {
        aps.apsc.displayMessage(errors[first]);
        return aps.apsc.cancelProcessing();
      }
      var ctx = aps.context.vars.context.aps.id;
      var body = form.toResource(input, ctx);
      var req = self.mailbox
        ? xhr('/aps/2/resources/' + self.mailbox.aps.id, { method: 'PUT', data: JSON.stringify(body), handleAs: 'json' })
        : xhr('/aps/2/resources/' + ctx + '/mailboxes', { method: 'POST', data: JSON.stringify(body), handleAs: 'json' });
      return req.then(function (saved) { return self.saveMobility((saved && saved.aps && saved.aps.id) || self.mailbox.aps.id); })
        .then(function () { aps.apsc.gotoView('mailbox-list'); }, function (err) {
        aps.apsc.displayMessage(err.message || String(err));
        aps.apsc.cancelProcessing();
      });
    },
    onCancel: function () { aps.apsc.gotoView('mailbox-list'); },
  });
});
