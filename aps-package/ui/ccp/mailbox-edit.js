// Customer panel (UX1): one mailbox: names, address, tier, mobility add-on, a new password or the
// generated one shown once, and "Open webmail" where the instance lets administrators open it.
define(['dojo/_base/declare', 'aps/View', 'aps/ResourceStore', 'aps/xhr', '../lib/contexts', '../lib/i18n',
  '../lib/mailbox-form', '../lib/messages', '../lib/operations', '../lib/types'],
function (declare, View, ResourceStore, xhr, contexts, _, form, messages, ops, types) {
  'use strict';

  /** Adds or removes the mailbox's mobility add-on as the check box says. */
  function saveMobility(mailbox, wanted) {
    var has = form.linkId(mailbox.mobility);
    switch (form.mobilityChange(wanted, Boolean(has))) {
      case 1: {
        var subscription = aps.context.subscriptionId || contexts.subscriptionOf(aps.context.vars.context);
        aps.context.subscriptionId = subscription;
        var addOn = new ResourceStore({ target: '/aps/2/resources/' + mailbox.aps.id + '/mobility', apsType: types.MOBILITY });
        return addOn.put({ aps: { type: types.MOBILITY, subscription: subscription } });
      }
      case -1: return new ResourceStore({ target: '/aps/2/resources' }).remove(has);
      default: return undefined;
    }
  }

  /** What the password section says for each passwordState. */
  function passwordNote(state) {
    if (state === 'unknown') return _('This mailbox took over an existing OX user whose password is not known here. Set a new password: until then nobody can sign in from the panel.');
    if (state === 'generated') return _('The password was generated. Show it once to set up a phone or mail program, or set a new one.');
    return _('Set a new password above to change it.');
  }

  /** "Show generated password": the endpoint answers once, then never again. */
  function reveal(view) {
    return function () {
      var button = this;
      ops.post(xhr, aps.context.vars.mailbox.aps.id, 'revealPassword').then(function (answer) {
        button.cancel();
        button.set('visible', false);
        view.byId('mbx_pw_shown').set({ visible: true, value: answer.login + ' / ' + answer.password });
        messages.show(_('Note the password now: it is shown only once.'), 'warning');
      }, function (err) {
        button.cancel();
        messages.show(ops.errorText(err));
      });
    };
  }

  return declare(View, {
    init: function () {
      var byId = this.byId.bind(this);
      var tree = form.widgets(this.genId.bind(this), {
        tierChosen: function () {
          form.showMobility(byId, contexts.list(aps.context.vars.profiles), Boolean(form.linkId(aps.context.vars.mailbox.mobility)));
        },
      });
      tree[2].push(['aps/FieldSet', { id: this.genId('mbx_pw'), title: _('Password') }, [
        ['aps/Output', { id: this.genId('mbx_pw_note') }],
        ['aps/Button', { id: this.genId('mbx_reveal'), label: _('Show generated password'), onClick: reveal(this) }],
        ['aps/Output', { id: this.genId('mbx_pw_shown'), label: _('Login / password'), visible: false }],
      ]]);
      tree[2].push(['aps/Button', { id: this.genId('mbx_webmail'), label: _('Open webmail'), onClick: messages.loginClick(xhr, function () { return aps.context.vars.mailbox.aps.id; }, 'login', _('Webmail could not be opened: ')) }]);
      return tree;
    },
    onContext: function () {
      var mailbox = aps.context.vars.mailbox;
      var byId = this.byId.bind(this);
      var profiles = contexts.list(aps.context.vars.profiles);
      form.fill(byId, { login: mailbox.login, email: mailbox.email, displayName: mailbox.displayName, givenName: mailbox.givenName, familyName: mailbox.familyName, password: '' });
      byId('mbx_profile').set('options', form.profileOptions(profiles));
      byId('mbx_profile').set('value', form.linkId(mailbox.profile) || '');
      byId('mbx_mobility').set('checked', Boolean(form.linkId(mailbox.mobility)));
      form.showMobility(byId, profiles, Boolean(form.linkId(mailbox.mobility)));
      byId('mbx_pw_note').set('value', passwordNote(mailbox.passwordState));
      byId('mbx_reveal').set('visible', mailbox.passwordState === 'generated');
      byId('mbx_pw_shown').set({ visible: false, value: '' });
      // Only where the instance lets account administrators open their users' mailboxes.
      byId('mbx_webmail').set('visible', mailbox.adminMayOpen === true);
      byId('mbx_webmail').set('disabled', mailbox.passwordState === 'unknown');
      aps.apsc.hideLoading();
    },
    onSubmit: function () {
      var mailbox = aps.context.vars.mailbox;
      var input = form.read(this.byId.bind(this), false);
      if (messages.refused(form.validate(input, contexts.list(aps.context.vars.profiles)))) return undefined;
      var body = form.toResource(input);
      body.aps.id = mailbox.aps.id;
      return new ResourceStore({ target: '/aps/2/resources', apsType: types.MAILBOX }).put(body)
        .then(function () { return saveMobility(mailbox, input.mobility); })
        .then(function () { aps.apsc.gotoView('mailboxes'); }, messages.failed);
    },
    onCancel: function () {
      aps.apsc.gotoView('mailboxes');
    },
  });
});
