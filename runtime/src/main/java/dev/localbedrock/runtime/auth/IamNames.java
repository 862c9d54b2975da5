package dev.localbedrock.runtime.auth;

import java.util.regex.Pattern;

/** IAM's rules for user and policy names, and the ARN a principal gets. */
public final class IamNames {
    /** IAM user names: letters, digits and {@code _+=,.@-}, 1 to 64 characters. */
    private static final Pattern USER_NAME = Pattern.compile("[\\w+=,.@-]{1,64}");
    /** IAM (inline) policy names: the same characters, 1 to 128. */
    private static final Pattern POLICY_NAME = Pattern.compile("[\\w+=,.@-]{1,128}");

    private IamNames() {
    }

    /** @throws IllegalArgumentException naming the rule the name breaks */
    public static String checkPrincipalName(String name) {
        if (name == null || !USER_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid principal name " + quote(name) + ": use 1 to 64 letters,"
                    + " digits and _+=,.@- (IAM's user name rule)");
        }
        return name;
    }

    /** @throws IllegalArgumentException naming the rule the name breaks */
    public static String checkPolicyName(String name) {
        if (name == null || !POLICY_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid policy name " + quote(name) + ": use 1 to 128 letters,"
                    + " digits and _+=,.@-");
        }
        return name;
    }

    /** {@code arn:aws:iam::<account>:user/<name>}. */
    public static String userArn(String account, String name) {
        return "arn:aws:iam::" + account + ":user/" + name;
    }

    private static String quote(String name) {
        return name == null ? "(none)" : "'" + name + "'";
    }
}
