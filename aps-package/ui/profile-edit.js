// Provider control panel: create or edit a profile.
define(['dojo/_base/declare', 'aps/View', 'aps/xhr', 'aps/_', './lib/profile-form'], function (declare, View, xhr, _, form) {
  'use strict';
  return declare(View, {
    init: function () {
      return ['aps/Form', { id: this.genId('form') }, [['aps/FieldSet', { title: _('Profile') }, [
        ['aps/TextBox', { id: this.genId('title'), label: _('Title'), required: true }],
        ['aps/Select', { id: this.genId('mode'), label: _('OX rights'), options: [{ value: 'combination', label: _('Access combination') }, { value: 'flags', label: _('Modules') }] }],
        ['aps/TextBox', { id: this.genId('accessCombination'), label: _('Access combination') }],
        ['aps/CheckBoxGroup', { id: this.genId('moduleAccess'), label: _('Modules'), options: form.FLAGS.map(function (f) { return { value: f, label: f }; }) }],
        ['aps/TextBox', { id: this.genId('capabilities'), label: _('Capabilities to add') }],
        ['aps/TextBox', { id: this.genId('uploadFileSizeLimit'), label: _('Upload limit (bytes, 0 = unlimited)') }],
        ['aps/TextBox', { id: this.genId('uploadFileSizeLimitPerFile'), label: _('Upload limit per file (bytes, 0 = unlimited)') }],
        ['aps/CheckBox', { id: this.genId('includesMobility'), label: _('Includes mobility') }],
      ]]]];
    },
    onContext: function () {
      var self = this;
      this.profile = aps.context.vars.profile;
      if (this.profile) {
        this.byId('title').set('value', this.profile.title);
        this.byId('mode').set('value', this.profile.accessCombination ? 'combination' : 'flags');
        this.byId('accessCombination').set('value', this.profile.accessCombination || '');
        this.byId('capabilities').set('value', (this.profile.capabilities || []).join(', '));
        ['uploadFileSizeLimit', 'uploadFileSizeLimitPerFile'].forEach(function (k) { self.byId(k).set('value', String(self.profile[k] || 0)); });
      }
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var self = this;
      var input = {};
      ['title', 'mode', 'accessCombination', 'moduleAccess', 'capabilities', 'uploadFileSizeLimit', 'uploadFileSizeLimitPerFile', 'includesMobility']
        .forEach(function (k) { input[k] = self.byId(k).get('value'); });
      var errors = form.validate(input, _);
      var first = Object.keys(errors)[0];
      if (first) {
        aps.apsc.displayMessage(errors[first]);
        return aps.apsc.cancelProcessing();
      }
      var appId = aps.context.vars.app.aps.id;
      var body = JSON.stringify(form.toResource(input, appId));
      var req = this.profile
        ? xhr('/aps/2/resources/' + this.profile.aps.id, { method: 'PUT', data: body, handleAs: 'json' })
        : xhr('/aps/2/resources/' + appId + '/profiles', { method: 'POST', data: body, handleAs: 'json' });
      return req.then(function () { aps.apsc.gotoView('profile-list'); }, function (err) {
        aps.apsc.displayMessage(err.message || String(err));
        aps.apsc.cancelProcessing();
      });
    },
    onCancel: function () { aps.apsc.gotoView('profile-list'); },
  });
});
