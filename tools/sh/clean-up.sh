# clean-up's wrapper only (after guard.sh): with no manifest for this job, no orb step recorded anything since the
# last clean-up, so there is nothing to remove, and the step ends before it needs Node.js (which that clean-up may
# have removed). The directories guard.sh has just made go again when they are empty.
ao_found=''
case ${CIRCLE_WORKFLOW_JOB_ID:-} in
  '' | *[!A-Za-z0-9-]*) ;;
  *) for ao_f in "$HOME/.aws-oidc/jobs/$CIRCLE_WORKFLOW_JOB_ID"*; do if [ -e "$ao_f" ]; then ao_found=1; fi; done ;;
esac
if [ -z "$ao_found" ]; then
  rmdir "$HOME/.aws-oidc/runtime" "$HOME/.aws-oidc" 2>/dev/null || true
  echo 'clean-up: nothing to remove: no orb step recorded anything in this job since the last clean-up'
  exit 0
fi
