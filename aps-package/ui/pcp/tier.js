// Classic provider CP page: a new tier, or one tier's rights, capabilities and limits.
define(['aps/load', 'aps/ResourceStore', 'dijit/registry', '../lib/messages', '../lib/profile-form', '../lib/types'],
function (load, ResourceStore, registry, messages, form, types) {
  'use strict';
  var TEXT = ['title', 'accessCombination', 'moduleAccess', 'capabilities', 'uploadFileSizeLimit', 'uploadFileSizeLimitPerFile'];
  var CHECKS = ['includesMobility', 'allowPasswordChange'];

  function values(profile) {
    var p = profile || {};
    return {
      title: p.title || '', accessCombination: p.accessCombination || '', moduleAccess: (p.moduleAccess || []).join(', '),
      capabilities: (p.capabilities || []).join(', '), uploadFileSizeLimit: String(p.uploadFileSizeLimit || 0),
      uploadFileSizeLimitPerFile: String(p.uploadFileSizeLimitPerFile || 0),
      mode: p.moduleAccess && p.moduleAccess.length && !p.accessCombination ? 'flags' : 'combination',
    };
  }

  function widgets(profile) {
    var v = values(profile);
    var p = profile || {};
    return ['aps/FieldSet', { id: 'tier_fields', title: _('Tier') }, [
      ['aps/TextBox', { id: 'tier_title', label: _('Title'), required: true, value: v.title }],
      ['aps/Select', { id: 'tier_mode', label: _('OX rights'), value: v.mode, options: [
        { value: 'combination', label: _('Access combination') }, { value: 'flags', label: _('Modules') }] }],
      ['aps/TextBox', { id: 'tier_accessCombination', label: _('Access combination'), value: v.accessCombination }],
      ['aps/TextBox', { id: 'tier_moduleAccess', label: _('Modules (e.g. webmail, contacts, calendar)'), value: v.moduleAccess }],
      ['aps/TextBox', { id: 'tier_capabilities', label: _('Capabilities to add'), value: v.capabilities }],
      ['aps/TextBox', { id: 'tier_uploadFileSizeLimit', label: _('Upload limit (bytes, 0 = unlimited)'), value: v.uploadFileSizeLimit }],
      ['aps/TextBox', { id: 'tier_uploadFileSizeLimitPerFile', label: _('Upload limit per file (bytes, 0 = unlimited)'), value: v.uploadFileSizeLimitPerFile }],
      ['aps/CheckBox', { id: 'tier_includesMobility', label: _('Includes mobility'), checked: p.includesMobility === true }],
      ['aps/CheckBox', { id: 'tier_allowPasswordChange', label: _('Users may change their password in OX'), checked: p.allowPasswordChange === true }],
    ]];
  }

  function read() {
    var input = { mode: registry.byId('tier_mode').get('value') };
    TEXT.forEach(function (k) { input[k] = registry.byId('tier_' + k).get('value'); });
    CHECKS.forEach(function (k) { input[k] = Boolean(registry.byId('tier_' + k).get('checked')); });
    input.moduleAccess = form.words(input.moduleAccess);
    return input;
  }

  function save(app, profile) {
    var input = read();
    if (messages.refused(form.validate(input))) return undefined;
    var body = form.toResource(input, app.aps.id);
    var store = profile
      ? new ResourceStore({ target: '/aps/2/resources', apsType: types.PROFILE })
      : new ResourceStore({ target: '/aps/2/resources/' + app.aps.id + '/profiles', apsType: types.PROFILE });
    if (profile) body.aps.id = profile.aps.id;
    return store.put(body).then(function () { aps.apsc.gotoView('tiers'); }, messages.failed);
  }

  /** profile: the tier tier-edit shows (bound as its var); none on tier-new. */
  return function start(profile) {
    var app = aps.context.vars.app;
    return load(['aps/PageContainer', { id: 'page' }, [widgets(profile)]]).then(function () {
      aps.app.onSubmit = function () { return save(app, profile); };
      aps.app.onCancel = function () { aps.apsc.gotoView('tiers'); };
    });
  };
});
