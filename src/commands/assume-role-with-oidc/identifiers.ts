// The shapes AWS accepts for the identifiers the step takes.

// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html
/** An IAM role ARN in any partition. */
export const ROLE_ARN = /^arn:aws(-cn|-us-gov|-iso|-iso-b)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** A role session name, as STS accepts it. */
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
